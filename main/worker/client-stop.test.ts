// A stopped client leaves nothing running, even when the network's messages were still on the wire
// as it stopped: `serve --pair` with a used code once said why and then never exited, because a
// message read while the session closed re-armed the session watchdog (a 10 s+ timer) and started
// a link measurement. Against a real coordinator behind a proxy that holds the network's bytes.
import net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Coordinator } from '../devnet/coordinator.ts';
import { resolveParams } from '../devnet/params.ts';
import { memoryStore } from '../settings/secrets.ts';
import { WorkerClient } from './client.ts';
import { loadOrCreateAccount, loadOrCreateIdentity } from './identity.ts';

/** A TCP proxy that can hold what the network sends (the worker's bytes pass) and release it later. */
async function holdingProxy(targetPort: number) {
  let holding = false;
  const held: Array<() => void> = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((inbound) => {
    const outbound = net.connect(targetPort, '127.0.0.1');
    for (const s of [inbound, outbound]) sockets.add(s);
    inbound.on('data', (d) => outbound.write(d));
    // Held in order: the network's close comes after the messages it sent before it.
    const fromNetwork = (deliver: () => void) => (holding ? held.push(deliver) : deliver());
    outbound.on('data', (d) => fromNetwork(() => inbound.write(d)));
    const end = () => { inbound.destroy(); outbound.destroy(); };
    inbound.on('close', end).on('error', end);
    outbound.on('close', () => fromNetwork(end)).on('error', () => fromNetwork(end));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    hold: () => { holding = true; },
    heldChunks: () => held.length,
    release: () => { holding = false; for (const write of held.splice(0)) write(); },
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

/** Every timer made from here on; those still armed and holding the process open are what a stop left behind. */
function watchTimers() {
  const made: Array<{ timer: NodeJS.Timeout; ms: number }> = [];
  const real = globalThis.setTimeout;
  vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: () => void, ms?: number, ...args: unknown[]) => {
    const timer = real(fn, ms, ...args) as unknown as NodeJS.Timeout;
    made.push({ timer, ms: ms ?? 0 });
    return timer;
  }) as typeof setTimeout);
  return () => made.filter(({ timer }) => !(timer as unknown as { _destroyed: boolean })._destroyed && timer.hasRef()).map(({ ms }) => ms);
}

describe('stopping the network client', () => {
  let coordinator: Coordinator | null = null;
  let proxy: Awaited<ReturnType<typeof holdingProxy>> | null = null;
  afterEach(async () => {
    vi.restoreAllMocks();
    await proxy?.close();
    await coordinator?.close();
  });

  it('acts on no message that arrives while its session closes, and leaves no timer behind', async () => {
    coordinator = await Coordinator.start({
      dataDir: null,
      params: resolveParams({ blockSeconds: 60, eligibility: { minUptimeSeconds: 0, requireWallet: false }, heartbeat: { intervalSeconds: 1, offlineAfterSeconds: 30 } }),
    });
    proxy = await holdingProxy(coordinator.port);
    const secrets = memoryStore('test');
    const logged: string[] = [];
    const client = new WorkerClient({
      network: proxy.url, identity: await loadOrCreateIdentity(secrets), account: await loadOrCreateAccount(secrets), name: () => 'rig',
      wallet: () => null, inventory: async () => ({ hostname: 't', os: 'linux', cpu: { brand: 'CPU', threads: 2 }, memoryBytes: 1e9, gpus: [] }),
      backoff: { initialMs: 100, maxMs: 300 }, speedTestBytes: 64 * 1024, log: (m) => logged.push(m),
    });
    const armed = watchTimers();
    client.start();
    await client.waitFor((s) => s.connection === 'online', 10_000);

    // The network answers a beat each second: hold its answers, stop, then let them (and its close) through.
    proxy.hold();
    const started = Date.now();
    while (proxy.heldChunks() === 0) {
      if (Date.now() - started > 5000) throw new Error('the network sent nothing to hold in 5 s');
      await new Promise((r) => setTimeout(r, 20));
    }
    const stopped = client.stop();
    const loggedAtStop = logged.length;
    await new Promise((r) => setTimeout(r, 100));
    proxy.release();
    await stopped;
    await new Promise((r) => setTimeout(r, 200));

    expect(logged.slice(loggedAtStop)).toEqual([]);
    expect(armed()).toEqual([]);
  }, 30_000);
});
