// A real Prometheus (Debian's `prometheus`, which .ci/run installs) scrapes a real `io-worker
// serve` replaying the H200 capture, and its HTTP API answers the GPU's temperature from the capture.
import { spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RENDERER_DIR } from '../paths.ts';
import { loadCapture, queryGpuTable } from '../probes/testing/capture-file.mjs';
import { FAKE_NVIDIA_SMI, capturePath } from '../probes/testing/captures.ts';
import { freePort, startProcess } from '../../test/processes.ts';

const BIN = path.resolve(import.meta.dirname, '..', '..', 'bin', 'io-worker.mjs');
const built = fs.existsSync(path.join(RENDERER_DIR, 'index.html'));
const prometheus = spawnSync('prometheus', ['--version'], { encoding: 'utf8' }).status === 0;
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'iw-prometheus-'));
const children = new Set<ChildProcess>();
afterAll(async () => {
  for (const child of [...children]) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  fs.rmSync(root, { recursive: true, force: true });
});

const start = (command: string, args: string[], env: NodeJS.ProcessEnv, ready: RegExp) => startProcess(command, args, env, ready, children);

describe('Prometheus scraping io-worker serve', () => {
  it.skipIf(!built || !prometheus)('reads the H200 temperature from the capture through its HTTP API', async () => {
    const capture = capturePath('nvidia-h200__');
    const table = queryGpuTable(loadCapture(capture), 'idle');
    const expected = Number(table.rows[0]![table.fields.indexOf('temperature.gpu')]);
    expect(Number.isFinite(expected)).toBe(true);

    const worker = await start(
      process.execPath,
      [BIN, 'serve', '--data-dir', path.join(root, 'worker'), '--port', '0', '--network', 'http://127.0.0.1:9'],
      { ...process.env, IO_WORKER_NVIDIA_SMI: FAKE_NVIDIA_SMI, FAKE_NVIDIA_SMI_CAPTURE: capture, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' },
      /Metrics: (http:\/\/127\.0\.0\.1:(\d+))\/metrics/,
    );
    const target = `127.0.0.1:${worker.match[2]}`;

    const port = await freePort();
    const config = path.join(root, 'prometheus.yml');
    fs.writeFileSync(
      config,
      `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: io-worker\n    static_configs:\n      - targets: ['${target}']\n`,
    );
    const api = `http://127.0.0.1:${port}`;
    await start(
      'prometheus',
      [`--config.file=${config}`, `--storage.tsdb.path=${path.join(root, 'tsdb')}`, `--web.listen-address=127.0.0.1:${port}`],
      process.env,
      /Server is ready to receive web requests/,
    );

    // Wait for a scrape that carries the GPU (the worker samples at 1 Hz, Prometheus scrapes every second).
    const deadline = Date.now() + 30_000;
    type Answer = { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
    let answer = null as Answer | null;
    while (Date.now() < deadline) {
      const res = await fetch(`${api}/api/v1/query?query=DCGM_FI_DEV_GPU_TEMP`);
      answer = (await res.json()) as Answer;
      if (answer.data.result.length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(answer?.status).toBe('success');
    const [series] = answer!.data.result;
    expect(series, `no DCGM_FI_DEV_GPU_TEMP in Prometheus after 30 s; worker said:\n${worker.output()}`).toBeDefined();
    expect(series!.metric).toMatchObject({ job: 'io-worker', instance: target, gpu: '0', modelName: 'NVIDIA H200', Hostname: os.hostname() });
    expect(Number(series!.value[1])).toBe(expected);

    const up = (await (await fetch(`${api}/api/v1/query?query=io_worker_info`)).json()) as { data: { result: { metric: Record<string, string> }[] } };
    expect(up.data.result[0]?.metric.device).toMatch(/^dev-[0-9a-f]{16}$/);

    // Every query of the shipped Grafana dashboard is valid PromQL, and those over GPUs find this one.
    const dashboard = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '..', '..', 'resources', 'grafana-fleet.json'), 'utf8')) as { panels: { title: string; targets?: { expr: string }[] }[] };
    for (const panel of dashboard.panels) {
      for (const { expr } of panel.targets ?? []) {
        const res = await fetch(`${api}/api/v1/query?query=${encodeURIComponent(expr.replaceAll('$host', '.*'))}`);
        const body = (await res.json()) as { status: string; error?: string; data?: { result: unknown[] } };
        expect(body.status, `${panel.title}: ${expr}: ${body.error}`).toBe('success');
        if (expr.startsWith('DCGM_FI_DEV_GPU_TEMP') || expr.startsWith('(io_worker_state')) expect(body.data!.result.length, panel.title).toBeGreaterThan(0);
      }
    }
  }, 90_000);
});
