// Trust on first use, per network: what a worker pins, refuses and asks its owner about.
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { memoryStore } from '../settings/secrets.ts';
import { keyFingerprint } from './protocol.ts';
import { NetworkTrust } from './trust.ts';

const key = () => crypto.generateKeyPairSync('ed25519').publicKey.export({ format: 'pem', type: 'spki' }).toString();

describe('network trust', () => {
  it('pins the first network a place answers as, and trusts it again by id and key', async () => {
    const secrets = memoryStore('pins');
    const a = key();
    const first = await new NetworkTrust(secrets, 'embedded').check({ networkId: 'net-aaaaaaaaaaaaaaaa', publicKeyPem: a });
    expect(first).toMatchObject({ trusted: true, pin: { networkId: 'net-aaaaaaaaaaaaaaaa', fingerprint: keyFingerprint(a) } });
    // A later run (a new object over the same secret store) finds the pin.
    const again = new NetworkTrust(secrets, 'embedded');
    expect((await again.check({ networkId: 'net-aaaaaaaaaaaaaaaa', publicKeyPem: a })).trusted).toBe(true);
    expect((await again.current())?.fingerprint).toBe(keyFingerprint(a));
  });

  it('refuses a changed key for a pinned network, wherever it answers, until the owner confirms that very key', async () => {
    const secrets = memoryStore('pins');
    const a = key();
    const b = key();
    await new NetworkTrust(secrets, 'http://10.0.0.2:7430').check({ networkId: 'net-aaaaaaaaaaaaaaaa', publicKeyPem: a });
    const trust = new NetworkTrust(secrets, 'http://10.0.0.3:7430');
    const refused = await trust.check({ networkId: 'net-aaaaaaaaaaaaaaaa', publicKeyPem: b });
    expect(refused).toMatchObject({ trusted: false, reason: 'key-changed', pinned: { fingerprint: keyFingerprint(a) }, offered: { fingerprint: keyFingerprint(b) } });
    expect(await trust.confirm('net-aaaaaaaaaaaaaaaa', keyFingerprint(a))).toBe(false); // not the key on offer
    expect(await trust.confirm('net-aaaaaaaaaaaaaaaa', keyFingerprint(b))).toBe(true);
    expect((await trust.check({ networkId: 'net-aaaaaaaaaaaaaaaa', publicKeyPem: b })).trusted).toBe(true);
    expect((await trust.check({ networkId: 'net-aaaaaaaaaaaaaaaa', publicKeyPem: a })).trusted).toBe(false); // the old key is not trusted any more
  });

  it('asks before a place that answered as one network joins another (a re-created devnet)', async () => {
    const secrets = memoryStore('pins');
    const trust = new NetworkTrust(secrets, 'embedded');
    await trust.check({ networkId: 'net-aaaaaaaaaaaaaaaa', publicKeyPem: key() });
    const other = key();
    const asked = await trust.check({ networkId: 'net-bbbbbbbbbbbbbbbb', publicKeyPem: other });
    expect(asked).toMatchObject({ trusted: false, reason: 'new-network', pinned: { networkId: 'net-aaaaaaaaaaaaaaaa' } });
    expect(trust.pending()?.offered.networkId).toBe('net-bbbbbbbbbbbbbbbb');
    expect(await trust.confirm('net-bbbbbbbbbbbbbbbb', keyFingerprint(other))).toBe(true);
    expect((await trust.check({ networkId: 'net-bbbbbbbbbbbbbbbb', publicKeyPem: other })).trusted).toBe(true);
    expect(trust.pending()).toBeNull();
  });
});
