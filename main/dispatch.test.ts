// Contract tests through the transport-agnostic dispatcher: every channel refuses malformed
// payloads with a typed error, and keeps answering good ones afterwards.
import { describe, expect, it } from 'vitest';
import { MAX_PAYLOAD_BYTES, MAX_STRING, requestChannels, requests, type RequestChannel } from '../preload/contract/index.ts';
import { expectedWithoutNetwork, validArgs } from '../test/contract-cases.ts';
import { testCore } from '../test/core-fixture.ts';
import { createDispatcher, findUnsafeKey } from './dispatch.ts';

/** Every string inside `value`, replaced one at a time by `replacement`. */
function withEachStringReplaced(value: unknown, replacement: string): unknown[] {
  const out: unknown[] = [];
  const walk = (node: unknown, set: (v: unknown) => unknown) => {
    if (typeof node === 'string') out.push(set(replacement));
    else if (node && typeof node === 'object') {
      for (const [key, child] of Object.entries(node)) {
        walk(child, (v) => set({ ...(node as object), [key]: v }));
      }
    }
  };
  walk(value, (v) => v);
  return out;
}

describe('contract', () => {
  it('has a valid example for every request channel', () => {
    expect(Object.keys(validArgs).sort()).toEqual([...requestChannels].sort());
    for (const channel of requestChannels) expect(requests[channel].args.safeParse(validArgs[channel]).success).toBe(true);
  });
});

describe.each(requestChannels)('%s', (channel: RequestChannel) => {
  const setup = async () => (await testCore()).dispatch;

  it('answers a valid call', async () => {
    const dispatch = await setup();
    const reply = await dispatch(channel, validArgs[channel]);
    expect(reply).toMatchObject(expectedWithoutNetwork(channel));
  });

  it.each([
    ['a string', 'hello'],
    ['a number', 42],
    ['an array', [1, 2]],
    ['true', true],
  ])('refuses %s as arguments', async (_what, args) => {
    const dispatch = await setup();
    const reply = await dispatch(channel, args);
    expect(reply).toMatchObject({ ok: false, error: { code: 'bad-request' } });
  });

  it('refuses an extra field', async () => {
    const reply = await (await setup())(channel, { ...(validArgs[channel] as object), surprise: 1 });
    expect(reply).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    if (!reply.ok) expect(reply.error.issues?.length).toBeGreaterThan(0);
  });

  it('refuses missing required fields', async () => {
    const needsFields = !requests[channel].args.safeParse({}).success;
    const reply = await (await setup())(channel, {});
    if (needsFields) expect(reply).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    else expect(reply).toMatchObject(expectedWithoutNetwork(channel));
  });

  it('refuses fields of the wrong type', async () => {
    const args = validArgs[channel] as Record<string, unknown>;
    for (const key of Object.keys(args)) {
      const wrong = typeof args[key] === 'string' ? 123 : 'not-a-number-or-bool';
      const reply = await (await setup())(channel, { ...args, [key]: wrong });
      expect(reply, `${channel}.${key}`).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    }
  });

  it('refuses oversized strings and oversized payloads', async () => {
    const dispatch = await setup();
    for (const args of withEachStringReplaced(validArgs[channel], 'x'.repeat(MAX_STRING + 1))) {
      expect(await dispatch(channel, args)).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    }
    const huge = { ...(validArgs[channel] as object), pad: 'x'.repeat(MAX_PAYLOAD_BYTES) };
    expect(await dispatch(channel, huge)).toMatchObject({ ok: false, error: { code: 'bad-request', message: expect.stringMatching(/limit/) } });
  });

  it('refuses __proto__, constructor and prototype keys without polluting anything', async () => {
    const dispatch = await setup();
    for (const payload of [
      `{"__proto__": {"polluted": true}}`,
      `{"nested": {"__proto__": {"polluted": true}}}`,
      `{"constructor": {"prototype": {"polluted": true}}}`,
    ]) {
      const reply = await dispatch(channel, { ...(validArgs[channel] as object), ...JSON.parse(payload) });
      expect(reply).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // And it keeps serving.
    expect(await dispatch(channel, validArgs[channel])).toMatchObject(expectedWithoutNetwork(channel));
  });
});

describe('dispatcher', () => {
  it('refuses unknown channels, including inherited property names', async () => {
    const { dispatch } = await testCore();
    for (const channel of ['nope', 'toString', '__proto__', 'constructor', 42, null]) {
      expect(await dispatch(channel, {})).toMatchObject({ ok: false, error: { code: 'unknown-channel' } });
    }
  });

  it('refuses cyclic and non-JSON arguments', async () => {
    const { dispatch } = await testCore();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(await dispatch('system.status', cyclic)).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(await dispatch('system.status', { n: 10n })).toMatchObject({ ok: false, error: { code: 'bad-request' } });
  });

  it('turns a thrown error into a typed internal error without leaking its message', async () => {
    const core = await testCore();
    const logged: unknown[] = [];
    const dispatch = createDispatcher(
      { ...core.handlers, 'system.status': async () => Promise.reject(new Error('secret path /home/x')) },
      { log: (_m, e) => logged.push(e) },
    );
    const reply = await dispatch('system.status', {});
    expect(reply).toEqual({ ok: false, error: { code: 'internal', message: expect.not.stringContaining('secret') } });
    expect(logged).toHaveLength(1);
  });

  it('refuses a handler result outside the contract', async () => {
    const core = await testCore();
    const dispatch = createDispatcher(
      { ...core.handlers, 'system.ping': async () => ({ nonce: 5 }) as never },
      { log: () => {} },
    );
    expect(await dispatch('system.ping', { nonce: 'a' })).toMatchObject({ ok: false, error: { code: 'internal' } });
  });

  it('finds unsafe keys deep inside a payload', () => {
    expect(findUnsafeKey(JSON.parse('{"a":{"b":[{"__proto__":1}]}}'))).toBe('a.b.0.__proto__');
    expect(findUnsafeKey({ a: { b: 1 } })).toBeNull();
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 40; i++) deep = (deep.n = {}) as Record<string, unknown>;
    expect(findUnsafeKey(root)).not.toBeNull();
  });
});

describe('validation errors in the user’s words', () => {
  it('names the field and its limit, never a channel or a schema path', async () => {
    const core = await testCore();
    try {
      const dispatch = createDispatcher(core.handlers);
      const hot = await dispatch('settings.update', { limits: { gpuTemperatureC: 500 } });
      expect(hot).toMatchObject({ ok: false, error: { code: 'bad-request', message: 'GPU temperature limit: at most 110 °C.' } });
      const cold = await dispatch('settings.update', { limits: { gpuTemperatureC: 10 } });
      expect(cold).toMatchObject({ ok: false, error: { message: 'GPU temperature limit: at least 40 °C.' } });
      const price = await dispatch('settings.update', { energy: { pricePerKWh: -1 } });
      expect(price).toMatchObject({ ok: false, error: { message: 'Electricity price per kWh: at least 0.' } });
      const listen = await dispatch('settings.update', { metrics: { listen: 'not an address' } });
      expect(listen).toMatchObject({ ok: false, error: { message: 'Metrics address: write it as host:port, such as 127.0.0.1:9400.' } });
      const empty = await dispatch('device.rename', { name: '' });
      expect(empty.ok).toBe(false);
      if (!empty.ok) {
        expect(empty.error.message).toMatch(/^Device name: /);
        expect(empty.error.message).not.toMatch(/schema|device\.rename|Arguments/);
      }
      const text = await dispatch('settings.update', { limits: { gpuPowerW: 'lots' } });
      expect(text).toMatchObject({ ok: false, error: { message: 'GPU power limit: a number is needed.' } });
    } finally {
      await core.stop();
    }
  });
});
