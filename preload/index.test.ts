import fs from 'node:fs';
import { describe, expect, it, vi } from 'vitest';

// The real 'electron' module only exists inside Electron; the preload's top level needs these two.
const exposed = vi.hoisted(() => new Map<string, unknown>());
vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.set(key, api) },
  ipcRenderer: { invoke: async () => ({ ok: true, result: null }), on: () => {}, removeListener: () => {} },
}));

const { createBridge, EVENT_PREFIX, REQUEST_PREFIX } = await import('./index.ts');

function fakeIpc() {
  const listeners = new Map<string, ((event: unknown, payload: unknown) => void)[]>();
  return {
    listeners,
    invoke: vi.fn(async (channel: string, args: unknown) => ({ ok: true, result: { channel, args } })),
    on: vi.fn((channel: string, listener: (event: unknown, payload: unknown) => void) => {
      listeners.set(channel, [...(listeners.get(channel) ?? []), listener]);
    }),
    removeListener: vi.fn((channel: string, listener: (event: unknown, payload: unknown) => void) => {
      listeners.set(channel, (listeners.get(channel) ?? []).filter((l) => l !== listener));
    }),
  };
}

describe('preload bridge', () => {
  it('exposes window.ioWorker with exactly invoke and subscribe, frozen', () => {
    const bridge = createBridge(fakeIpc() as never);
    expect(Object.keys(bridge).sort()).toEqual(['invoke', 'subscribe']);
    expect(Object.isFrozen(bridge)).toBe(true);
  });

  it('exposes it only when context isolation is on', () => {
    // process.contextIsolated is undefined under Node: the bridge must not be exposed into a shared world.
    expect(exposed.has('ioWorker')).toBe(false);
  });

  it('sends known channels with the contract prefix', async () => {
    const ipc = fakeIpc();
    const bridge = createBridge(ipc as never);
    await bridge.invoke('system.ping', { nonce: 'x' });
    expect(ipc.invoke).toHaveBeenCalledWith(`${REQUEST_PREFIX}system.ping`, { nonce: 'x' });
  });

  it('refuses unknown channels before any IPC', async () => {
    const ipc = fakeIpc();
    const bridge = createBridge(ipc as never);
    const reply = await bridge.invoke('shell.openExternal' as never, {} as never);
    expect(reply).toEqual({ ok: false, error: { code: 'unknown-channel', message: expect.any(String) } });
    expect(ipc.invoke).not.toHaveBeenCalled();
    expect(() => bridge.subscribe('anything' as never, () => {})).toThrow(/Unknown event/);
  });

  it('turns uncloneable arguments into a typed error', async () => {
    const ipc = fakeIpc();
    ipc.invoke.mockRejectedValueOnce(new Error('An object could not be cloned.'));
    const reply = await createBridge(ipc as never).invoke('system.ping', { nonce: 'x' });
    expect(!reply.ok && reply.error.code).toBe('bad-request');
  });

  it('hands listeners the payload only, never the IPC event, and unsubscribes', () => {
    const ipc = fakeIpc();
    const bridge = createBridge(ipc as never);
    const seen: unknown[][] = [];
    const off = bridge.subscribe('notice', (...args: unknown[]) => void seen.push(args));
    for (const l of ipc.listeners.get(`${EVENT_PREFIX}notice`) ?? []) l({ sender: 'ipcRenderer' }, { id: 'n' });
    expect(seen).toEqual([[{ id: 'n' }]]);
    off();
    expect(ipc.listeners.get(`${EVENT_PREFIX}notice`)).toEqual([]);
  });
});

describe('the built preload bundle', () => {
  const bundle = new URL('../out/preload/index.cjs', import.meta.url);
  // npm test builds before the unit tests; a bare `vitest run` without a build skips this.
  it.skipIf(!fs.existsSync(bundle))('stays small: channel names only, no zod and no schemas', () => {
    const text = fs.readFileSync(bundle, 'utf8');
    expect(text.length).toBeLessThan(10 * 1024);
    expect(text).not.toMatch(/ZodError|safeParse/);
    expect(text).toContain('system.status');
  });
});
