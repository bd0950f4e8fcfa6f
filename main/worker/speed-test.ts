// The connectivity test the tier comes from: five pings (the median is the latency), then a download
// and an upload of `bytes` against the coordinator's /v1/speedtest.

export interface SpeedResult {
  downMbps: number;
  upMbps: number;
  latencyMs: number;
}

export async function measureSpeed(url: (path: string) => string, bytes: number): Promise<SpeedResult> {
  const pings: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    await (await fetch(url('/v1/ping'), { signal: AbortSignal.timeout(5000) })).arrayBuffer();
    pings.push(performance.now() - t);
  }
  pings.sort((a, b) => a - b);
  let t = performance.now();
  const down = await (await fetch(url(`/v1/speedtest?bytes=${bytes}`), { signal: AbortSignal.timeout(30_000) })).arrayBuffer();
  const downMs = performance.now() - t;
  t = performance.now();
  await (await fetch(url('/v1/speedtest'), { method: 'POST', body: new Uint8Array(bytes), signal: AbortSignal.timeout(30_000) })).arrayBuffer();
  const upMs = performance.now() - t;
  return { downMbps: (down.byteLength * 8) / (downMs * 1000), upMbps: (bytes * 8) / (upMs * 1000), latencyMs: pings[2] };
}
