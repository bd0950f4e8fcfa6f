// The "done when", against real processes on loopback: an `io-worker coordinator`, an
// `io-worker serve` reading the fake nvidia-smi (its control file lists the GPU's processes), and a
// webhook receiver. A foreign GPU process pauses the worker and the webhook hears "paused: … is
// using GPU 0" within 30 s; it ends and the worker resumes and says so; the worker is killed with
// SIGKILL and the network sends "offline" after the rule's delay, then "back online" when it returns.
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Ledger } from '../ledger/ledger.ts';
import { RENDERER_DIR } from '../paths.ts';
import { DeviceDetailSchema } from '../worker/explorer-api.ts';
import { capturePath, FAKE_NVIDIA_SMI } from '../probes/testing/captures.ts';
import { confBackend } from '../settings/conf-backend.ts';
import { openSecretStore } from '../settings/secrets.ts';
import { SettingsStore } from '../settings/store.ts';
import { SECRET_KEYS } from './setup.ts';
import { startHttpReceiver, type HttpReceiver } from './testing/receivers.ts';
import { SIGNATURE_HEADER } from './webhook.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = path.join(ROOT, 'bin/io-worker.mjs');
const built = fs.existsSync(path.join(RENDERER_DIR, 'index.html'));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alerts-e2e-'));
const children = new Set<ChildProcess>();

function start(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus', ...env } });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let text = '';
  child.stdout!.on('data', (d) => (text += d));
  child.stderr!.on('data', (d) => (text += d));
  const waitFor = (re: RegExp, ms: number) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const started = Date.now();
      const poll = setInterval(() => {
        const m = text.match(re);
        if (m) {
          clearInterval(poll);
          resolve(m);
        } else if (Date.now() - started > ms || child.exitCode !== null) {
          clearInterval(poll);
          reject(new Error(`no ${re} in ${ms} ms; output:\n${text}`));
        }
      }, 50);
    });
  return { child, waitFor, output: () => text };
}

const killed = (child: ChildProcess) => new Promise<void>((resolve) => {
  if (child.exitCode !== null || child.signalCode !== null) return resolve();
  child.once('exit', () => resolve());
  child.kill('SIGKILL');
});

/** The webhook's alerts in order, each checked against its HMAC signature. */
function alerts(receiver: HttpReceiver, secret: string) {
  return receiver.received.map((r) => {
    expect(r.headers[SIGNATURE_HEADER]).toBe(`sha256=${crypto.createHmac('sha256', secret).update(r.body).digest('hex')}`);
    return { ...(JSON.parse(r.body) as { text: string; cause: string; state: string }), at: r.at };
  });
}

async function until<T>(what: string, fn: () => T | undefined | null | false | Promise<T | undefined | null | false>, ms: number): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() - started > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

afterAll(async () => {
  await Promise.all([...children].map(killed));
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('autopilot and alerts, end to end', () => {
  it.skipIf(!built)('pauses for a foreign GPU process and says so by webhook; the network says "offline" and "back online"', async () => {
    const receiver = await startHttpReceiver();
    const secret = 'webhook-secret-0123';
    try {
      const paramsFile = path.join(dir, 'params.json');
      fs.writeFileSync(paramsFile, JSON.stringify({ heartbeat: { intervalSeconds: 2, offlineAfterSeconds: 6 }, eligibility: { minUptimeSeconds: 0, requireWallet: false } }));
      const coordinator = start(['coordinator', '--port', '0', '--data-dir', path.join(dir, 'coord'), '--params', paramsFile, '--block-seconds', '30', '--admin-token', 'e2e-operator']);
      const url = (await coordinator.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/, 30_000))[1];
      const pauseAtNetwork = async (id: string) =>
        DeviceDetailSchema.parse(await (await fetch(`${url}/v1/devices/${id}`, { headers: { authorization: 'Bearer e2e-operator' } })).json()).paused;

      // The owner's settings and the webhook secret, as the Settings page would leave them.
      const dataDir = path.join(dir, 'worker');
      fs.mkdirSync(dataDir);
      const settings = new SettingsStore(confBackend(dataDir));
      const defaults = settings.get();
      settings.update({
        alerts: { ...defaults.alerts, webhook: { enabled: true, url: `${receiver.url}/hook` }, offlineAfterSeconds: 10 },
        autopilot: {
          ...defaults.autopilot,
          idle: { enabled: true, afterMinutes: 5 }, // headless has no idle seam: it never pauses here
          schedule: { enabled: true, timeZone: 'UTC', windows: [{ days: [0, 1, 2, 3, 4, 5, 6], from: '00:00', to: '24:00' }] },
          gaming: { enabled: true, graceSeconds: 2 },
        },
      });
      const secrets = await openSecretStore({ service: 'io-worker', dataDir, allowPlaintextFile: true, preferFile: true, keytar: null });
      await secrets.set(SECRET_KEYS.webhook, secret);

      const control = path.join(dir, 'nvidia-smi-control.json');
      const setProcesses = (processes: object) => {
        fs.writeFileSync(`${control}.tmp`, JSON.stringify({ processes }));
        fs.renameSync(`${control}.tmp`, control);
      };
      setProcesses({ '0': [] });
      const env = { IO_WORKER_NVIDIA_SMI: FAKE_NVIDIA_SMI, FAKE_NVIDIA_SMI_CAPTURE: capturePath('rtx-4080'), FAKE_NVIDIA_SMI_CONTROL: control };
      const serveArgs = ['serve', '--port', '0', '--data-dir', dataDir, '--secrets-file', '--network', url];
      let serve = start(serveArgs, env);
      const device = (await serve.waitFor(/device (dev-[0-9a-f]{16})/, 60_000))[1];
      // Online, and the channels registered with the network for "offline".
      await coordinator.waitFor(new RegExp(`alert channels for ${device}: 1 channel`), 30_000);

      // A game starts on GPU 0.
      const gameStarted = Date.now();
      setProcesses({ '0': [{ pid: 3_999_999, name: 'C:\\Games\\game.exe', type: 'G' }] });
      const paused = await until('"paused" at the webhook', () => alerts(receiver, secret).find((a) => a.text === 'paused: game.exe is using GPU 0'), 30_000);
      expect(paused.at - gameStarted).toBeLessThan(30_000);
      const pausedIn = paused.at - gameStarted;
      // The network sees the pause typed as itself, not as "paused by you".
      expect(await until('the gaming pause at the network', async () => (await pauseAtNetwork(device))?.source === 'gaming' && (await pauseAtNetwork(device)), 10_000)).toEqual({ source: 'gaming', detail: 'game.exe is using GPU 0' });

      // It ends: after the grace period the worker resumes and says so.
      const gameEnded = Date.now();
      setProcesses({ '0': [] });
      const resumed = await until('"resolved" at the webhook', () => alerts(receiver, secret).find((a) => a.state === 'resolved' && a.cause === 'paused'), 30_000);
      expect(resumed.text).toBe('Resolved: paused: game.exe is using GPU 0');
      expect(resumed.at - gameEnded).toBeGreaterThanOrEqual(2000);
      // The schedule (all week) and idle mode (no seam headless) hold nothing.
      await until('no pause at the network', async () => (await pauseAtNetwork(device)) === null, 10_000);

      // The machine dies: SIGKILL, no goodbye. The network judges it offline after the delay.
      const died = Date.now();
      await killed(serve.child);
      const offline = await until('"offline" from the network', () => alerts(receiver, secret).find((a) => a.cause === 'offline' && a.state === 'raised'), 40_000);
      expect(offline.text).toMatch(/is offline$/);
      const offlineAfter = offline.at - died;
      expect(offlineAfter).toBeGreaterThanOrEqual(8000); // the last beat was at most one interval before the kill
      expect(offlineAfter).toBeLessThan(20_000);

      serve = start(serveArgs, env);
      await serve.waitFor(new RegExp(`device ${device}`), 60_000);
      const back = await until('"back online" from the network', () => alerts(receiver, secret).find((a) => a.cause === 'offline' && a.state === 'resolved'), 40_000);
      expect(back.text).toMatch(/is back online$/);
      console.log(`paused alert ${pausedIn} ms after the game started; offline alert ${offlineAfter} ms after SIGKILL`);
      await killed(serve.child);
      await killed(coordinator.child);

      // The uptime bar keeps the pause as itself: paused while a game ran, never "paused by you".
      const ledger = Ledger.open({ dataDir, log: () => {} });
      try {
        const buckets = ledger.uptimeBar(device, { days: 2 }).buckets;
        const pausedBy = (source: 'gaming' | 'user' | 'schedule') => buckets.reduce((sum, b) => sum + (b.paused[source] ?? 0), 0);
        expect(pausedBy('gaming')).toBeGreaterThanOrEqual(1);
        expect(pausedBy('user') + pausedBy('schedule')).toBe(0);
      } finally {
        ledger.close();
      }
    } finally {
      await receiver.close();
    }
  }, 180_000);
});
