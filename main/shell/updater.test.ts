// The update service twice over: with a fake updater for the schedule and the notices, and with
// electron-updater itself against a local feed (latest-linux.yml + a .deb), where a good download
// is accepted and a tampered or truncated one is refused, as electron-builder's own tests do.
import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SETTLE_MS } from './update-schedule.ts';
import { UpdateStatusSchema } from '../../preload/contract/index.ts';
import { testCore } from '../../test/core-fixture.ts';
import { UpdateService, updatesProvider, type Clock, type UpdateServiceOptions, type UpdaterLike } from './updater.ts';

class FakeClock implements Clock {
  t: number;
  timers: { at: number; fn: () => void; id: number }[] = [];
  #id = 0;
  constructor(t: number) {
    this.t = t;
  }
  now = () => this.t;
  setTimeout = (fn: () => void, ms: number) => {
    const id = ++this.#id;
    this.timers.push({ at: this.t + ms, fn, id });
    return id as unknown as ReturnType<typeof setTimeout>;
  };
  clearTimeout = (timer: ReturnType<typeof setTimeout>) => {
    this.timers = this.timers.filter((t) => t.id !== (timer as unknown as number));
  };
  async advanceTo(t: number) {
    for (;;) {
      const due = this.timers.filter((x) => x.at <= t).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((x) => x !== due);
      this.t = due.at;
      due.fn();
      await new Promise((r) => setImmediate(r));
    }
    this.t = t;
  }
}

class FakeUpdater extends EventEmitter implements UpdaterLike {
  autoDownload = false;
  autoInstallOnAppQuit = false;
  allowPrerelease = false;
  channel: string | null = null;
  feed: string | null = null;
  checks = 0;
  installs: [boolean | undefined, boolean | undefined][] = [];
  next: 'none' | { version: string } | Error = 'none';
  setFeedURL(options: { url: string }) {
    this.feed = options.url;
  }
  async checkForUpdates() {
    this.checks++;
    const next = this.next;
    if (next instanceof Error) {
      this.emit('error', next);
      throw next;
    }
    if (next === 'none') {
      this.emit('update-not-available', { version: '0.1.0' });
      return null;
    }
    this.emit('update-available', next);
    this.emit('download-progress', { percent: 50.4 });
    this.emit('update-downloaded', next);
    return { updateInfo: next, downloadPromise: Promise.resolve([]) };
  }
  quitAndInstall(isSilent?: boolean, isForceRunAfter?: boolean) {
    this.installs.push([isSilent, isForceRunAfter]);
  }
}

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 23, 14, 25);

function setup(overrides: Partial<UpdateServiceOptions> = {}) {
  const updater = new FakeUpdater();
  const clock = new FakeClock(T0);
  const notices: { level: string; title: string; body: string }[] = [];
  let hiredUntil: number | null = null;
  const prefs = { updateChannel: 'stable' as 'stable' | 'beta', updateFeedUrl: null as string | null, updateCheckHours: 4 };
  const beforeRestart = vi.fn(async () => {});
  const service = new UpdateService({
    updater,
    currentVersion: '0.1.0',
    enabled: true,
    prefs: () => prefs,
    hiredUntil: () => hiredUntil,
    beforeRestart,
    notify: (n) => notices.push(n),
    clock,
    formatTime: (t) => new Date(t).toISOString().slice(11, 16),
    ...overrides,
  });
  return { service, updater, clock, notices, prefs, beforeRestart, hire: (until: number | null) => void (hiredUntil = until) };
}

describe('UpdateService schedule', () => {
  it('checks at launch, downloads in the background, and checks again every few hours', async () => {
    const { service, updater, clock } = setup();
    service.start();
    await service.check(); // the launch check, already in flight
    expect(updater.autoDownload).toBe(true);
    expect(updater.autoInstallOnAppQuit).toBe(true);
    expect(updater.checks).toBe(1);
    expect(service.status.phase).toBe('up-to-date');
    await clock.advanceTo(T0 + 4 * HOUR - 1);
    expect(updater.checks).toBe(1);
    await clock.advanceTo(T0 + 4 * HOUR);
    expect(updater.checks).toBe(2);
  });

  it('plans the restart right after the running block closes, and tells the user', async () => {
    const { service, updater, clock, notices, beforeRestart } = setup();
    updater.next = { version: '0.2.0' };
    await service.check();
    const installAt = Date.UTC(2026, 10, 23, 15, 0) + SETTLE_MS;
    expect(service.status).toMatchObject({ phase: 'ready', availableVersion: '0.2.0', installAt, percent: 100 });
    expect(service.status.message).toBe('Update 0.2.0 installs at 15:01, right after this block closes.');
    expect(notices).toEqual([expect.objectContaining({ level: 'info', title: 'IO Worker 0.2.0 is ready', body: expect.stringMatching(/uptime streak/) })]);
    await clock.advanceTo(installAt - 1);
    expect(updater.installs).toEqual([]);
    await clock.advanceTo(installAt);
    expect(beforeRestart).toHaveBeenCalledOnce();
    expect(updater.installs).toEqual([[true, true]]);
  });

  it('does not notify twice when a later check finds the same download', async () => {
    const { service, updater, notices } = setup();
    updater.next = { version: '0.2.0' };
    await service.check();
    const planned = service.status.installAt;
    await service.check();
    expect(notices).toHaveLength(1);
    expect(service.status).toMatchObject({ phase: 'ready', installAt: planned });
  });

  it('moves the restart past a hire that began after the download', async () => {
    const { service, updater, clock, hire } = setup();
    updater.next = { version: '0.2.0' };
    await service.check();
    const planned = service.status.installAt!;
    hire(Date.UTC(2026, 10, 23, 16, 30));
    await clock.advanceTo(planned);
    expect(updater.installs).toEqual([]);
    expect(service.status.installAt).toBe(Date.UTC(2026, 10, 23, 17, 0) + SETTLE_MS);
    expect(service.status.message).toMatch(/waits for the hire/);
    hire(null);
    await clock.advanceTo(service.status.installAt!);
    expect(updater.installs).toHaveLength(1);
  });

  it('never plans inside a hire in the first place', async () => {
    const { service, updater, hire } = setup();
    hire(Date.UTC(2026, 10, 23, 18, 10));
    updater.next = { version: '0.2.0' };
    await service.check();
    expect(service.status.installAt).toBe(Date.UTC(2026, 10, 23, 19, 0) + SETTLE_MS);
  });

  it('installs at once when the user asks, stopping the worker first', async () => {
    const { service, updater, beforeRestart } = setup();
    await service.installNow();
    expect(updater.installs).toEqual([]);
    updater.next = { version: '0.2.0' };
    await service.check();
    await service.installNow();
    expect(beforeRestart).toHaveBeenCalledOnce();
    expect(updater.installs).toEqual([[true, true]]);
  });

  it('switches channel and feed from the preferences', () => {
    const { service, updater, prefs } = setup();
    service.configure();
    expect(updater).toMatchObject({ channel: 'latest', allowPrerelease: false, feed: null });
    prefs.updateChannel = 'beta';
    prefs.updateFeedUrl = 'https://updates.example.com/io-worker';
    service.configure();
    expect(updater).toMatchObject({ channel: 'beta', allowPrerelease: true, feed: 'https://updates.example.com/io-worker' });
    expect(service.status.channel).toBe('beta');
  });

  it('reports a network failure without a scary notice', async () => {
    const { service, updater, notices } = setup();
    updater.next = new Error('net::ERR_NAME_NOT_RESOLVED');
    await service.check();
    expect(service.status).toMatchObject({ phase: 'failed', message: expect.stringMatching(/ERR_NAME_NOT_RESOLVED/) });
    expect(notices).toEqual([]);
  });

  it('does nothing in a development build', async () => {
    const { service, updater } = setup({ enabled: false });
    service.start();
    await service.check();
    expect(updater.checks).toBe(0);
    expect(service.status.phase).toBe('disabled');
  });
});

// ---------------------------------------------------------------- the core's `updates` provider
describe('updates provider (updates.status / updates.check)', () => {
  it('answers a check once the feed answered, while the download goes on', async () => {
    const { service, updater } = setup();
    let finishDownload: () => void = () => {};
    updater.checkForUpdates = async () => {
      updater.checks++;
      updater.emit('update-available', { version: '0.2.0' });
      return { updateInfo: { version: '0.2.0' }, downloadPromise: new Promise<never[]>((r) => (finishDownload = () => r([]))) };
    };
    const provider = updatesProvider(() => service);
    expect(provider.status()).toMatchObject({ runtime: 'electron', state: 'idle', lastCheckAt: null, availableVersion: null });
    const answer = await provider.check();
    expect(UpdateStatusSchema.parse(answer)).toMatchObject({
      state: 'downloading',
      availableVersion: '0.2.0',
      currentVersion: '0.1.0',
      channel: 'stable',
      lastCheckAt: T0,
      restartPlannedAt: null,
      detail: 'Downloading 0.2.0 in the background.',
    });
    // A second check while one runs joins it instead of starting another.
    expect((await provider.check()).state).toBe('downloading');
    expect(updater.checks).toBe(1);
    updater.emit('update-downloaded', { version: '0.2.0' });
    finishDownload();
    expect(provider.status()).toMatchObject({
      state: 'ready',
      restartPlannedAt: Date.UTC(2026, 10, 23, 15, 0) + SETTLE_MS,
      detail: 'Update 0.2.0 installs at 15:01, right after this block closes.',
    });
  });

  it('reports up to date as idle, failures and refused downloads as errors, and dev builds as unsupported', async () => {
    const upToDate = setup();
    expect(await updatesProvider(() => upToDate.service).check()).toMatchObject({ state: 'idle', detail: '0.1.0 is the newest stable version.' });

    const failing = setup();
    failing.updater.next = new Error('net::ERR_NAME_NOT_RESOLVED');
    expect(await updatesProvider(() => failing.service).check()).toMatchObject({ state: 'error', detail: expect.stringMatching(/ERR_NAME_NOT_RESOLVED/) });

    const refused = setup();
    refused.updater.next = { version: '0.2.0' };
    refused.updater.checkForUpdates = async () => {
      refused.updater.emit('update-available', { version: '0.2.0' });
      const error = new Error('sha512 checksum mismatch, expected abc, got def');
      refused.updater.emit('error', error);
      throw error;
    };
    expect(await updatesProvider(() => refused.service).check()).toMatchObject({ state: 'error', restartPlannedAt: null, detail: expect.stringMatching(/refused/) });

    const dev = setup({ enabled: false });
    expect(await updatesProvider(() => dev.service).check()).toMatchObject({ state: 'unsupported', detail: expect.stringMatching(/packaged builds/) });
    expect(dev.updater.checks).toBe(0);
  });

  it('is what the core answers in the app, and says "unavailable" before the updater started', async () => {
    const { service, updater } = setup();
    updater.next = { version: '0.2.0' };
    let started: UpdateService | null = null;
    const core = await testCore({ runtime: 'electron', updates: updatesProvider(() => started) });
    try {
      expect(await core.dispatch('updates.status', {})).toMatchObject({ ok: false, error: { code: 'unavailable' } });
      started = service;
      const reply = await core.dispatch('updates.check', {});
      expect(reply).toMatchObject({ ok: true, result: { runtime: 'electron', state: 'ready', availableVersion: '0.2.0' } });
      expect(await core.dispatch('updates.status', {})).toEqual(reply);
    } finally {
      await core.stop();
    }
  });

  it('reschedules the periodic check when the interval changes', async () => {
    const { service, updater, clock, prefs } = setup();
    service.start();
    await service.check();
    prefs.updateCheckHours = 1;
    await clock.advanceTo(T0 + HOUR / 2);
    service.configure();
    await clock.advanceTo(T0 + HOUR + HOUR / 2 - 1);
    expect(updater.checks).toBe(1);
    await clock.advanceTo(T0 + HOUR + HOUR / 2);
    expect(updater.checks).toBe(2);
  });
});

// ---------------------------------------------------------------- the real electron-updater
const require = createRequire(import.meta.url);

describe('electron-updater against a local generic feed', () => {
  const artifact = crypto.randomBytes(256 * 1024);
  const sha512 = crypto.createHash('sha512').update(artifact).digest('base64');
  const file = 'io-worker_0.2.0_amd64.deb';
  let serve: 'good' | 'tampered' | 'truncated' = 'good';
  let server: http.Server;
  let feed: string;
  const dirs: string[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url?.startsWith('/latest-linux.yml')) {
        res.setHeader('content-type', 'text/yaml');
        return res.end(
          `version: 0.2.0\nfiles:\n  - url: ${file}\n    sha512: ${sha512}\n    size: ${artifact.length}\n` +
            `path: ${file}\nsha512: ${sha512}\nreleaseDate: '2026-11-23T14:00:00.000Z'\n`,
        );
      }
      if (req.url === `/${file}`) {
        if (serve === 'tampered') {
          const evil = Buffer.from(artifact);
          evil[1000] ^= 0xff;
          return res.end(evil);
        }
        return res.end(serve === 'truncated' ? artifact.subarray(0, artifact.length - 4096) : artifact);
      }
      res.statusCode = 404;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    feed = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  type DownloadOptions = {
    headers?: Record<string, string>;
    cancellationToken: { createPromise<T>(run: (resolve: (v: T) => void, reject: (e: Error) => void, onCancel: unknown) => void): Promise<T> };
  };

  /** A DebUpdater as an installed 0.1.0 would have, talking plain Node HTTP instead of Electron's net. */
  function realUpdater() {
    const { DebUpdater } = require('electron-updater');
    const runtime = require('builder-util-runtime');
    class NodeHttpExecutor extends runtime.HttpExecutor {
      createRequest(options: http.RequestOptions, callback: (response: http.IncomingMessage) => void) {
        return http.request(options, callback);
      }
      // The same download electron-updater's ElectronHttpExecutor does, over node:http.
      download(url: URL, destination: string, options: DownloadOptions) {
        return options.cancellationToken.createPromise((resolve: (v: string) => void, reject: (e: Error) => void, onCancel: unknown) => {
          const requestOptions = { headers: options.headers || undefined, redirect: 'manual' };
          runtime.configureRequestUrl(url, requestOptions);
          runtime.configureRequestOptions(requestOptions);
          (this as unknown as { doDownload(...args: unknown[]): void }).doDownload(requestOptions, { destination, options, onCancel, callback: (e: Error | null) => (e ? reject(e) : resolve(destination)), responseHandler: null }, 0);
        });
      }
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'io-worker-update-'));
    dirs.push(dir);
    const app = {
      version: '0.1.0',
      name: 'io-worker',
      isPackaged: true,
      appUpdateConfigPath: path.join(dir, 'app-update.yml'),
      userDataPath: dir,
      baseCachePath: dir,
      whenReady: async () => {},
      relaunch() {},
      quit() {},
      onQuit() {},
    };
    fs.writeFileSync(app.appUpdateConfigPath, `provider: generic\nurl: ${feed}\nupdaterCacheDirName: io-worker-updater\n`);
    const updater = new DebUpdater(undefined, app);
    updater.httpExecutor = new NodeHttpExecutor();
    updater.logger = null;
    return { updater: updater as UpdaterLike, pending: path.join(dir, 'io-worker-updater', 'pending') };
  }

  async function run(kind: typeof serve) {
    serve = kind;
    const { updater, pending } = realUpdater();
    const notices: { level: string; title: string; body: string }[] = [];
    const service = new UpdateService({
      updater,
      currentVersion: '0.1.0',
      enabled: true,
      prefs: () => ({ updateChannel: 'stable', updateFeedUrl: feed, updateCheckHours: 4 }),
      hiredUntil: () => null,
      beforeRestart: async () => {},
      notify: (n) => notices.push(n),
      clock: new FakeClock(T0),
    });
    service.configure();
    await service.check();
    service.stop();
    const files = fs.existsSync(pending) ? fs.readdirSync(pending).filter((f) => f.endsWith('.deb')) : [];
    return { status: service.status, notices, files, pending };
  }

  it('downloads a good update, verifies it and plans its install', async () => {
    const { status, files, pending } = await run('good');
    expect(status).toMatchObject({ phase: 'ready', availableVersion: '0.2.0' });
    expect(files).toEqual([file]);
    expect(fs.readFileSync(path.join(pending, file)).equals(artifact)).toBe(true);
  });

  it.each(['tampered', 'truncated'] as const)('refuses a %s download with a clear notice, keeping nothing', async (kind) => {
    const { status, notices, files } = await run(kind);
    expect(status.phase).toBe('refused');
    expect(status.installAt).toBeNull();
    expect(notices).toEqual([
      expect.objectContaining({ level: 'error', title: 'Update 0.2.0 refused', body: expect.stringMatching(/does not match the checksum/) }),
    ]);
    expect(files).toEqual([]);
  });
});
