// What the owner sees while the disk refuses history: the worker status says so (not a green
// "Earning" while nothing is kept), the notifications still list why, and a request the ledger
// cannot answer says why in words ('unavailable'), never 'internal'.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Notice, Status } from '../../preload/contract/index.ts';
import { testCore } from '../../test/core-fixture.ts';
import { Ledger } from './ledger.ts';
import { frameAt } from './testing/frames.ts';
import { CAN_MOUNT, tinyDisk, type TinyDisk } from './testing/tmpfs.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).reverse().forEach((f) => f()));
function tiny(size: string): TinyDisk {
  const disk = tinyDisk(size);
  cleanups.push(() => disk.remove());
  return disk;
}

describe.skipIf(!CAN_MOUNT)('a full disk (real tmpfs)', () => {
  it('shows in the worker status while history is not saved, and clears when it is again', async () => {
    const disk = tiny('1m');
    const ledger = Ledger.open({ dataDir: disk.dir, retryMs: 20, log: () => {} });
    const core = await testCore({ ledger });
    cleanups.push(() => ledger.close());
    await core.start();
    cleanups.push(() => void core.stop());
    const seen: Status[] = [];
    core.events.on('status', (s) => seen.push(s));
    core.sampler.tick();
    expect(core.status()).toMatchObject({ state: 'idle', detail: 'Hardware detected. Not connected to a compute network yet.' });

    disk.fill();
    for (let k = 0; k < 200 && ledger.problem === null; k++) core.sampler.tick();
    expect(ledger.problem).toMatch(/is full/);
    expect(core.status().state).toBe('error');
    expect(core.status().detail).toMatch(/^History is not being saved: The disk holding .*ledger\.db is full\. Otherwise idle: Hardware detected\./);
    expect(seen.at(-1)?.state).toBe('error'); // the dashboard is told, not only a poll

    disk.free();
    for (let k = 0; k < 200 && ledger.problem !== null; k++) {
      await sleep(25);
      core.sampler.tick();
    }
    expect(ledger.problem).toBeNull();
    expect(core.status()).toMatchObject({ state: 'idle', detail: 'Hardware detected. Not connected to a compute network yet.' });
  });

  it('a full disk at start is said as full, not as an I/O error', () => {
    const disk = tiny('1m');
    Ledger.open({ dataDir: disk.dir, log: () => {} }).close();
    disk.fill();
    const ledger = Ledger.open({ dataDir: disk.dir, log: () => {} });
    cleanups.push(() => ledger.close());
    expect(ledger.problem).toBe(`The disk holding ${path.join(disk.dir, 'ledger.db')} is full.`);
  });

  it('the notifications still list why history is not saved while the file cannot be opened', async () => {
    const disk = tiny('1m');
    disk.readOnly();
    const ledger = Ledger.open({ dataDir: disk.dir, log: () => {} });
    cleanups.push(() => ledger.close());
    const core = await testCore({ ledger });
    const list = await core.dispatch('notices.list', { limit: 10 });
    expect(list).toMatchObject({ ok: true });
    expect((list.ok ? (list.result as Notice[]) : []).map((n) => n.title)).toEqual(['History is not being saved']);
    expect(await core.dispatch('uptime.bar', {})).toMatchObject({
      ok: false,
      error: { code: 'unavailable', message: `History cannot be read: ${disk.dir} is read-only or not writable by IO Worker.` },
    });
  });
});

describe('a history file damaged under the running worker', () => {
  it("answers 'unavailable' in words, not 'internal'", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-refusing-'));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    let now = Date.UTC(2026, 10, 20, 10, 0, 0);
    const first = Ledger.open({ dataDir: dir, now: () => now, log: () => {} });
    for (let k = 0; k < 3000; k++) first.recordFrame(frameAt((now += 1000), 4));
    first.close();
    const ledger = Ledger.open({ dataDir: dir, now: () => now, log: () => {} });
    cleanups.push(() => ledger.close());
    fs.truncateSync(path.join(dir, 'ledger.db'), 8192); // the pages it has not read yet are gone
    const core = await testCore({ ledger });
    const reply = await core.dispatch('history.telemetry', { device: 'gpu0', metric: 'powerW', range: { from: 0, to: now + 1 }, resolution: 'raw' });
    expect(reply).toMatchObject({ ok: false, error: { code: 'unavailable', message: expect.stringMatching(/^History cannot be read: .*ledger\.db is damaged \(/) } });
  });
});
