import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IPC_EVENT_PREFIX, IPC_REQUEST_PREFIX, requestChannels, type Inventory, type Reply } from '../../preload/contract/index.ts';
import { createCore, type Core } from '../core.ts';
import { memoryStore } from '../settings/secrets.ts';
import { SettingsStore, memoryBackend } from '../settings/store.ts';
import { FakeWebContents } from './fakes.test-helpers.ts';
import { bindIpc, senderProblem, type InvokeEvent, type IpcMainLike, type SenderFrame } from './ipc.ts';

const inventory: Inventory = {
  hostname: 'rig',
  os: { platform: 'linux', distro: 'Debian', release: '13', arch: 'x64' },
  cpu: { manufacturer: 'AMD', brand: 'Ryzen 9 7950X', physicalCores: 16, threads: 32, speedGHz: 4.5 },
  memory: { totalBytes: 64e9 },
  disks: [],
  network: [],
  gpus: [],
  warnings: [],
  collectedAt: 1,
};

class FakeIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, (event: InvokeEvent, ...args: unknown[]) => Promise<Reply>>();
  handle(channel: string, listener: (event: InvokeEvent, ...args: unknown[]) => Promise<Reply>) {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string) {
    this.handlers.delete(channel);
  }
  invoke(channel: string, event: InvokeEvent, ...args: unknown[]): Promise<Reply> {
    const handler = this.handlers.get(IPC_REQUEST_PREFIX + channel);
    if (!handler) throw new Error(`No handler registered for '${channel}'`);
    return handler(event, ...args);
  }
}

const mainFrame = (url = 'app://io-worker/index.html'): SenderFrame => ({ url, parent: null });

let core: Core;
let ipcMain: FakeIpcMain;
let window: FakeWebContents;
let unbind: () => void;
const fromWindow = (frame: SenderFrame | null = mainFrame()): InvokeEvent => ({ sender: { id: window.id }, senderFrame: frame });

beforeEach(async () => {
  core = await createCore({
    dataDir: '',
    network: null,
    runtime: 'electron',
    settings: new SettingsStore(memoryBackend()),
    secrets: memoryStore('test'),
    inventory: async () => inventory,
    log: () => {},
  });
  ipcMain = new FakeIpcMain();
  window = new FakeWebContents();
  unbind = bindIpc({ ipcMain, dispatch: core.dispatch, events: core.events, windows: () => [window], log: () => {} });
});
afterEach(async () => {
  unbind();
  await core.stop();
});

describe('bindIpc', () => {
  it('binds one handler per request channel of the contract', () => {
    expect([...ipcMain.handlers.keys()].sort()).toEqual(requestChannels.map((c) => IPC_REQUEST_PREFIX + c).sort());
  });

  it('answers our own main frame through the core', async () => {
    const reply = await ipcMain.invoke('system.inventory', fromWindow(), {});
    expect(reply).toEqual({ ok: true, result: inventory });
    const ping = await ipcMain.invoke('system.ping', fromWindow(), { nonce: 'n1' });
    expect(ping.ok && ping.result).toMatchObject({ nonce: 'n1' });
  });

  it('refuses a subframe, a foreign page, a gone frame and a foreign window', async () => {
    const refusals = [
      fromWindow({ url: 'app://io-worker/index.html', parent: mainFrame() }),
      fromWindow(mainFrame('https://evil.example/')),
      fromWindow(mainFrame('file:///home/user/index.html')),
      fromWindow(null),
      { sender: { id: window.id + 1000 }, senderFrame: mainFrame() },
    ];
    for (const event of refusals) {
      const reply = await ipcMain.invoke('system.status', event, {});
      expect(reply).toEqual({ ok: false, error: { code: 'forbidden', message: expect.any(String) } });
    }
  });

  it('refuses a destroyed window', async () => {
    window.destroyed = true;
    const reply = await ipcMain.invoke('system.status', fromWindow(), {});
    expect(!reply.ok && reply.error.code).toBe('forbidden');
  });

  it('validates payloads and answers typed errors, changing nothing', async () => {
    const before = await ipcMain.invoke('settings.get', fromWindow(), {});
    const bad = [
      ['settings.update', { sampleIntervalMs: 5 }],
      ['settings.update', { theme: 'neon' }],
      ['device.rename', { name: '' }],
      ['system.ping', { nonce: 'x'.repeat(10_000) }],
      ['device.rename', JSON.parse('{"name":"a","__proto__":{"polluted":true}}')],
    ] as const;
    for (const [channel, args] of bad) {
      const reply = await ipcMain.invoke(channel, fromWindow(), args);
      expect(reply.ok).toBe(false);
      expect(!reply.ok && reply.error.code).toBe('bad-request');
    }
    expect(await ipcMain.invoke('settings.get', fromWindow(), {})).toEqual(before);
  });

  it('refuses extra arguments', async () => {
    const reply = await ipcMain.invoke('system.status', fromWindow(), {}, { extra: true });
    expect(!reply.ok && reply.error.code).toBe('bad-request');
  });

  it('pushes core events to the window, not to destroyed ones', () => {
    core.events.emit('notice', { id: 'n', t: 1, level: 'info', title: 'Hello', body: 'b' });
    expect(window.sent).toEqual([{ channel: `${IPC_EVENT_PREFIX}notice`, payload: expect.objectContaining({ id: 'n' }) }]);
    window.destroyed = true;
    core.events.emit('notice', { id: 'm', t: 1, level: 'info', title: 'Hello', body: 'b' });
    expect(window.sent).toHaveLength(1);
  });

  it('unbinds every handler and listener', () => {
    unbind();
    expect(ipcMain.handlers.size).toBe(0);
    expect(core.events.listenerCount('telemetry')).toBe(0);
    unbind = () => {};
  });
});

describe('senderProblem', () => {
  it('names why a sender is refused', () => {
    const ids = new Set([7]);
    expect(senderProblem({ sender: { id: 7 }, senderFrame: mainFrame() }, ids)).toBeNull();
    expect(senderProblem({ sender: { id: 8 }, senderFrame: mainFrame() }, ids)).toMatch(/not one of our windows/);
    expect(senderProblem({ sender: { id: 7 }, senderFrame: { url: 'app://io-worker/', parent: mainFrame() } }, ids)).toMatch(/subframe/);
    expect(senderProblem({ sender: { id: 7 }, senderFrame: mainFrame('app://io-worker.evil/') }, ids)).toMatch(/outside/);
  });
});
