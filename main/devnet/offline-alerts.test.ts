// The network's own "offline" alert: channels registered by the device's account (signed), judged
// on the coordinator's clock, sent to a real webhook receiver once, and "back online" once.
import crypto from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { startHttpReceiver, type HttpReceiver } from '../alerts/testing/receivers.ts';
import { idFromPublicKey, networkBinding, seal } from '../worker/protocol.ts';
import { Coordinator } from './coordinator.ts';
import { resolveParams } from './params.ts';

function keyPair(prefix: 'dev' | 'acct') {
  const keys = crypto.generateKeyPairSync('ed25519');
  const pem = keys.publicKey.export({ format: 'pem', type: 'spki' }).toString();
  return { pem, signer: { id: idFromPublicKey(prefix, pem), sign: (m: Buffer | string) => crypto.sign(null, Buffer.from(m), keys.privateKey) } };
}

let coordinator: Coordinator | null = null;
let receiver: HttpReceiver | null = null;
afterEach(async () => {
  await coordinator?.close();
  await receiver?.close();
  coordinator = receiver = null;
});

describe('offline alerts judged by the network', () => {
  it('takes channels only from the device\'s account, sends "offline" once after the delay and "back online" once', async () => {
    receiver = await startHttpReceiver();
    coordinator = await Coordinator.start({ dataDir: null, params: resolveParams({ heartbeat: { intervalSeconds: 2, offlineAfterSeconds: 6 } }), offlineAlerts: { retry: { initialMs: 10, maxMs: 20 } } });
    const c = coordinator;
    const net = networkBinding(c.network.networkId, c.network.publicKeyPem);
    const device = keyPair('dev');
    const owner = keyPair('acct');
    const post = async (p: string, body: unknown) => {
      const res = await fetch(`${c.url}${p}`, { method: 'POST', body: JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const registered = await post('/v1/devices', seal(device.signer, net, 'register', {
      publicKeyPem: device.pem, ownerPublicKeyPem: owner.pem, ownerSig: owner.signer.sign(`own:${device.signer.id}`).toString('base64'), name: 'rig-7', wallet: null,
      inventory: { hostname: 'x', os: 'x', cpu: { brand: 'x', threads: 1 }, memoryBytes: 1, gpus: [] },
    }));
    expect(registered.status).toBe(201);

    const channels = { deviceId: device.signer.id, offlineAfterSeconds: 10, channels: [{ kind: 'webhook', url: `${receiver.url}/net`, secret: 'k' }] };
    // Someone else's account may not point this device's alerts anywhere.
    const stranger = keyPair('dev');
    const strangerJoined = await post('/v1/devices', seal(stranger.signer, net, 'register', { publicKeyPem: stranger.pem, ownerPublicKeyPem: stranger.pem, ownerSig: stranger.signer.sign(`own:${stranger.signer.id}`).toString('base64'), name: 's', wallet: null, inventory: { hostname: 'x', os: 'x', cpu: { brand: 'x', threads: 1 }, memoryBytes: 1, gpus: [] } }));
    expect(strangerJoined.status).toBe(201);
    expect((await post('/v1/alert-channels', seal(stranger.signer, net, 'alert-channels', channels))).status).toBe(403);
    const forged = seal(owner.signer, net, 'alert-channels', channels);
    expect((await post('/v1/alert-channels', { ...forged, payload: forged.payload.replace('/net', '/evil') })).status).toBe(401);
    expect((await post('/v1/alert-channels', seal(owner.signer, net, 'alert-channels', { ...channels, offlineAfterSeconds: 5 }))).status).toBe(400);
    const ok = await post('/v1/alert-channels', seal(owner.signer, net, 'alert-channels', channels));
    expect(ok).toEqual({ status: 200, body: { deviceId: device.signer.id, channels: 1, offlineAfterSeconds: 10 } });
    expect(c.offlineAlerts.registered(device.signer.id)).toBe(true);

    // The coordinator's clock: silent 9 s is not offline, 10 s is, and it is said once.
    const row = c.devices.get(device.signer.id)!;
    const t0 = Date.now();
    row.last_beat_at = t0;
    c.offlineAlerts.tick(t0 + 9_000);
    await c.offlineAlerts.settled();
    expect(receiver.received).toHaveLength(0);
    c.offlineAlerts.tick(t0 + 10_000);
    c.offlineAlerts.tick(t0 + 20_000);
    await c.offlineAlerts.settled();
    expect(receiver.received).toHaveLength(1);
    const offline = JSON.parse(receiver.received[0].body) as { text: string; cause: string; state: string; device: { id: string } };
    expect(offline).toMatchObject({ cause: 'offline', state: 'raised', text: 'rig-7 is offline', device: { id: device.signer.id } });
    expect(receiver.received[0].headers['x-io-worker-signature']).toBe(`sha256=${crypto.createHmac('sha256', 'k').update(receiver.received[0].body).digest('hex')}`);

    row.last_beat_at = t0 + 25_000; // a heartbeat arrives
    c.offlineAlerts.tick(t0 + 25_500);
    c.offlineAlerts.tick(t0 + 26_000);
    await c.offlineAlerts.settled();
    expect(receiver.received).toHaveLength(2);
    expect(JSON.parse(receiver.received[1].body)).toMatchObject({ cause: 'offline', state: 'resolved', text: 'Resolved: rig-7 is back online' });

    // An empty list removes them: silence is then nobody's business.
    expect((await post('/v1/alert-channels', seal(owner.signer, net, 'alert-channels', { ...channels, channels: [] }))).status).toBe(200);
    c.offlineAlerts.tick(t0 + 60_000);
    await c.offlineAlerts.settled();
    expect(receiver.received).toHaveLength(2);
  });
});
