// The session watchdog against a real coordinator behind a real TCP proxy on 127.0.0.1 that freezes
// its open connections (nothing passes either way, the sockets stay open: a half-open session).
// Each stall is restarted with its cause as a notice; a spent budget is "failed" once, not a loop;
// the session that shows life again for a whole deadline is "running again".
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Notice } from '../../preload/contract/index.ts';
import { Coordinator } from '../devnet/coordinator.ts';
import { resolveParams } from '../devnet/params.ts';
import { memoryStore } from '../settings/secrets.ts';
import { WorkerClient } from './client.ts';
import { loadOrCreateAccount, loadOrCreateIdentity } from './identity.ts';
import { watchSession } from './session-watchdog.ts';

/** A TCP proxy whose live connections can be frozen: bytes are swallowed, the sockets stay open. */
async function freezingProxy(targetPort: number) {
  const live = new Set<{ frozen: boolean; sockets: net.Socket[] }>();
  const server = net.createServer((inbound) => {
    const outbound = net.connect(targetPort, '127.0.0.1');
    const pair = { frozen: false, sockets: [inbound, outbound] };
    live.add(pair);
    inbound.on('data', (d) => { if (!pair.frozen) outbound.write(d); });
    outbound.on('data', (d) => { if (!pair.frozen) inbound.write(d); });
    const end = () => { for (const s of pair.sockets) s.destroy(); live.delete(pair); };
    inbound.on('close', end).on('error', end);
    outbound.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    /** Freezes every connection open now; new ones pass (the client's reconnect reaches the network). */
    freeze: () => { for (const pair of live) pair.frozen = true; },
    close: () => new Promise<void>((resolve) => {
      for (const pair of live) for (const s of pair.sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

const params = resolveParams({
  blockSeconds: 60,
  eligibility: { minUptimeSeconds: 0, requireWallet: false },
  heartbeat: { intervalSeconds: 1, offlineAfterSeconds: 30 },
});

describe('session watchdog', () => {
  let dir: string;
  let coordinator: Coordinator;
  let proxy: Awaited<ReturnType<typeof freezingProxy>>;
  let client: WorkerClient | null = null;
  let off: (() => void) | null = null;
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'session-watchdog-'));
    coordinator = await Coordinator.start({ dataDir: null, params });
    proxy = await freezingProxy(coordinator.port);
  });
  afterEach(async () => {
    off?.();
    await client?.stop();
    await proxy.close();
    await coordinator.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('restarts a session the network stopped answering, reports a spent budget as failed once, and says when it is back', async () => {
    const secrets = memoryStore('test');
    client = new WorkerClient({
      network: proxy.url, identity: await loadOrCreateIdentity(secrets), account: await loadOrCreateAccount(secrets), name: () => 'rig',
      wallet: () => null, inventory: async () => ({ hostname: 't', os: 'linux', cpu: { brand: 'CPU', threads: 2 }, memoryBytes: 1e9, gpus: [] }),
      backoff: { initialMs: 100, maxMs: 300 }, speedTestBytes: 64 * 1024,
    });
    const notices: Notice[] = [];
    off = watchSession(client, {
      notice: (n) => notices.push(n), deadlineMs: () => 2500, everyMs: 200, budget: { restarts: 2, windowMs: 600_000 }, backoff: { initialMs: 100, maxMs: 200 },
    });
    const restarts = () => notices.filter((n) => n.id.startsWith('watchdog-restart:session:'));
    const until = async (what: string, predicate: () => boolean, ms: number) => {
      const started = Date.now();
      while (!predicate()) {
        if (Date.now() - started > ms) throw new Error(`${what}: not within ${ms} ms; notices: ${JSON.stringify(notices.map((n) => n.title))}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return Date.now() - started;
    };
    client.start();
    await client.waitFor((s) => s.connection === 'online', 10_000);
    expect(client.state().heartbeatSeconds).toBe(1);

    await new Promise((r) => setTimeout(r, 3000));
    expect(restarts()).toHaveLength(0); // a healthy session beats and hears an answer every second

    for (const n of [1, 2]) {
      proxy.freeze();
      const took = await until(`restart ${n}`, () => restarts().length === n, 8000);
      expect(took).toBeGreaterThanOrEqual(1200); // not before its deadline (less the beat that was answered just before the freeze)
      await client.waitFor((s) => s.connection === 'online', 10_000); // reconnected through a fresh connection
    }
    expect(restarts()[0]).toMatchObject({ level: 'warning', title: 'The network session restarted' });
    expect(restarts()[0].body).toMatch(/^The network session stalled: no message from the network while the connection claims to be open \(a half-open connection\) for [23] s \(its deadline is 3 s\)\. Restarted it \(1 of 2 in 10 min\)\.$/);

    proxy.freeze();
    await until('failed', () => notices.some((n) => n.id.startsWith('watchdog-failed:session:')), 8000);
    const failure = notices.find((n) => n.id.startsWith('watchdog-failed:session:'))!;
    expect(failure).toMatchObject({ level: 'error', title: 'The network session failed' });
    expect(failure.body).toMatch(/restarted 2 times in 10 min, so it is not restarted any more; the worker goes on reconnecting on its own/);
    await new Promise((r) => setTimeout(r, 2000));
    expect(restarts()).toHaveLength(2); // not looping
    expect(notices.filter((n) => n.id.startsWith('watchdog-failed:'))).toHaveLength(1);

    // The client's own last-resort timer (10 s at this beat) drops the frozen socket; the new session answers.
    await until('running again', () => notices.some((n) => n.id.startsWith('watchdog-back:session:')), 20_000);
    expect(notices.at(-1)!.title).toBe('The network session is running again');
    expect(restarts()).toHaveLength(2);
  }, 60_000);
});
