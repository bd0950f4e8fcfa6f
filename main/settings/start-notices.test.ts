// What the owner is told at start and later, on stderr and in the dashboard's Notifications tab:
// settings that were reset (with the copy of the old file), history that was damaged (with when),
// and settings that can no longer be saved.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Notice } from '../../preload/contract/index.ts';
import { TEST_INVENTORY } from '../../test/core-fixture.ts';
import { bootWorker, type BootedWorker } from '../boot.ts';
import { localTime } from '../ledger/damaged.ts';
import { CAN_MOUNT, tinyDisk, type TinyDisk } from '../ledger/testing/tmpfs.ts';
import { confBackend } from './conf-backend.ts';
import { SETTINGS_VERSION } from './schema.ts';
import { memoryStore } from './secrets.ts';

let dir = '';
let disk: TinyDisk | null = null;
let worker: BootedWorker | null = null;
afterEach(async () => {
  await worker?.close();
  worker = null;
  disk?.remove();
  disk = null;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = '';
});

const boot = (dataDir: string, warn: (m: string) => void) =>
  bootWorker({
    runtime: 'headless',
    dataDir,
    settingsBackend: confBackend(dataDir),
    openSecrets: async () => memoryStore('start notices test'),
    network: 'http://127.0.0.1:9',
    probes: { inventory: async () => TEST_INVENTORY },
    warn,
    log: () => {},
  });

describe('start-up notices', () => {
  it('reset settings and a damaged history are said on stderr and listed in the Notifications tab', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iw-start-notices-'));
    fs.writeFileSync(path.join(dir, 'settings.json'), JSON.stringify({ schemaVersion: SETTINGS_VERSION, theme: 'neon', sampleIntervalMs: 2000 }));
    fs.writeFileSync(path.join(dir, 'ledger.db'), 'this is not a database'.repeat(300));
    const written = Date.now() - 5 * 60_000;
    fs.utimesSync(path.join(dir, 'ledger.db'), written / 1000, written / 1000);
    const warnings: string[] = [];
    worker = await boot(dir, (m) => warnings.push(m));

    expect(warnings).toContain('settings repaired: theme');
    expect(warnings).toContainEqual(expect.stringMatching(/^Some settings were reset\. theme had values IO Worker cannot use .* kept as .*settings\.json\.bak-/));
    expect(warnings).toContainEqual(expect.stringMatching(new RegExp(`^history before ${localTime(written, Date.now())} was damaged and kept in ledger\\.db\\.damaged-\\d+; a new history file was started$`)));
    const list = await worker.core.dispatch('notices.list', { limit: 20 });
    expect(list.ok).toBe(true);
    const notices = list.ok ? (list.result as Notice[]) : [];
    expect(notices.find((n) => n.title === 'Some settings were reset')?.body).toMatch(/^theme had values .*settings\.json\.bak-/);
    expect(notices.find((n) => n.title === 'History file was damaged')?.body).toMatch(/^History before \d\d:\d\d was damaged and kept in ledger\.db\.damaged-/);
    expect(worker.settings.get().sampleIntervalMs).toBe(2000);
  });

  it.skipIf(!CAN_MOUNT)('a save refused while running is said once, live and in the Notifications tab', async () => {
    disk = tinyDisk('4m');
    const warnings: string[] = [];
    worker = await boot(disk.dir, (m) => warnings.push(m));
    await worker.core.start();
    const live: Notice[] = [];
    worker.core.events.on('notice', (n) => live.push(n));
    disk.fill(); // a disk in use cannot be remounted read-only; a full one refuses the same way
    for (const name of ['rig-a', 'rig-b']) expect(await worker.core.dispatch('settings.update', { deviceName: name })).toMatchObject({ ok: true });
    expect(live.filter((n) => n.title === 'Settings are not being saved')).toHaveLength(1);
    expect(warnings.filter((w) => w.startsWith('Settings are not being saved.'))).toHaveLength(1);
    const list = await worker.core.dispatch('notices.list', { limit: 20 });
    expect(list.ok && (list.result as Notice[]).some((n) => n.title === 'Settings are not being saved')).toBe(true);
  });
});
