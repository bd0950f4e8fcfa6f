// "Your devices" as a fleet, against a real network: a standalone devnet coordinator and TWO
// `io-worker serve --network` workers with separate data dirs, made one account by restoring the first
// one's owner key backup into the second's data dir (`io-worker account export/import`). Each row's
// figures must equal the network's own /v1/devices answer; a payout wallet change is announced on both
// dashboards and confirmed from the other machine; Delete of a running machine says what happens; a
// stopped machine is marked quiet.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { FAKE_NVIDIA_SMI, capturePath } from '../main/probes/testing/captures.ts';
import { DevicesResponseSchema, DeviceDetailSchema } from '../main/worker/explorer-api.ts';
import { celsius, coins, percent, watts } from '../renderer/format.ts';
import { startCoordinator, type CoordinatorProcess } from './coordinator.ts';
import { ROOT, rpc, startServe, type Served } from './serve.ts';

const ADMIN = crypto.randomBytes(18).toString('base64url');
const PARAMS = {
  blockSeconds: 4,
  eligibility: { minUptimeSeconds: 0, requireWallet: false },
  pow: { size: 16, deadlineSeconds: 3 },
  potl: { challengesPerBlock: 2, deadlineSeconds: 2, passShare: 0.5 },
  heartbeat: { intervalSeconds: 2, offlineAfterSeconds: 6 },
  walletChangeDelaySeconds: 3600,
};
const GPU_ENV = { IO_WORKER_NVIDIA_SMI: FAKE_NVIDIA_SMI, FAKE_NVIDIA_SMI_CAPTURE: capturePath('h100-80gb'), FAKE_NVIDIA_SMI_STATE: 'idle' };
const WALLET_1 = '9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM';
const WALLET_2 = 'So11111111111111111111111111111111111111112';
const SHOTS = path.join(ROOT, 'test-results', 'fleet');

let coordinator: CoordinatorProcess;
let coordinatorUrl: string;
let tmp: string;
const workers: { served: Served; id: string }[] = [];

const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, [path.join(ROOT, 'bin', 'io-worker.mjs'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000, env: { ...process.env, ...env } });

/** The network's own answer, read as its operator (who sees every owner's fleet figures). */
async function networkDevices(request: APIRequestContext) {
  const res = await request.get(`${coordinatorUrl}/v1/devices`, { headers: { authorization: `Bearer ${ADMIN}` } });
  return DevicesResponseSchema.parse(await res.json());
}

test.beforeAll(async ({ request }) => {
  test.setTimeout(150_000);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'io-worker-e2e-fleet-'));
  fs.writeFileSync(path.join(tmp, 'params.json'), JSON.stringify(PARAMS));
  coordinator = await startCoordinator({ paramsFile: path.join(tmp, 'params.json'), adminToken: ADMIN });
  coordinatorUrl = coordinator.url;
  const args = ['--network', coordinatorUrl, '--secrets-file'];
  const first = await startServe(GPU_ENV, args);
  workers.push({ served: first, id: /device (\S+)\)/.exec(first.output())![1]! });

  // The second machine joins the first one's account: its owner key, restored from a backup.
  const backup = path.join(tmp, 'owner-key.json');
  const secret = { IO_WORKER_PASSPHRASE: 'fleet e2e passphrase' };
  const exported = cli(['account', 'export', '--out', backup, '--data-dir', first.dataDir, '--secrets-file'], secret);
  expect(exported.status, exported.stderr).toBe(0);
  const secondDir = fs.mkdtempSync(path.join(os.tmpdir(), 'io-worker-e2e-'));
  const wrong = cli(['account', 'import', backup, '--data-dir', secondDir, '--secrets-file'], { IO_WORKER_PASSPHRASE: 'not it' });
  expect(wrong.stderr).toContain('Wrong passphrase');
  const imported = cli(['account', 'import', backup, '--data-dir', secondDir, '--secrets-file'], secret);
  expect(imported.status, imported.stderr).toBe(0);
  const second = await startServe(GPU_ENV, args, secondDir);
  workers.push({ served: second, id: /device (\S+)\)/.exec(second.output())![1]! });

  // Both are one account at the network, and the first has passed a block (it earned today).
  await expect.poll(async () => new Set((await networkDevices(request)).devices.map((d) => d.account)).size, { timeout: 30_000 }).toBe(1);
  await expect.poll(async () => (await rpc<{ total: number }>(request, first, 'rewards.page', { pageSize: 1 })).total, { timeout: 40_000 }).toBeGreaterThan(0);
});

test.afterAll(async () => {
  await Promise.all(workers.map((w) => w.served.stop()));
  await coordinator?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const row = (page: Page, id: string) => page.getByTestId('account-devices').locator(`tr[data-device="${id}"]`);
const cells = async (page: Page, id: string) => {
  const r = row(page, id);
  return {
    temperature: await r.locator('[data-field="temperature"]').textContent(),
    power: await r.locator('[data-field="power"]').textContent(),
    utilization: await r.locator('[data-field="utilization"]').textContent(),
    today: await r.locator('[data-field="today"]').textContent(),
  };
};

test('Home lists both machines of the account with the network\'s figures for each', async ({ page, request }) => {
  test.setTimeout(90_000);
  await page.setViewportSize({ width: 1280, height: 800 });
  const [first, second] = workers;
  // A block may close between two reads: a try counts only when the network said the same before and after the page read it.
  await expect
    .poll(async () => {
      const before = await networkDevices(request);
      await page.goto(first!.served.url);
      await expect(page.getByTestId('account-devices').locator('tbody tr')).toHaveCount(2, { timeout: 15_000 });
      const shown = { first: await cells(page, first!.id), second: await cells(page, second!.id) };
      const after = await networkDevices(request);
      const expected = (answer: typeof after, id: string) => {
        const f = answer.devices.find((d) => d.id === id)!.fleet!;
        return { temperature: celsius(f.telemetry?.gpuTempC), power: watts(f.telemetry?.powerW), utilization: percent(f.telemetry?.gpuPct ?? f.telemetry?.cpuPct), today: coins(f.earnedToday) };
      };
      const same = JSON.stringify(before.devices.map((d) => d.fleet?.earnedToday)) === JSON.stringify(after.devices.map((d) => d.fleet?.earnedToday));
      return same ? JSON.stringify(shown) === JSON.stringify({ first: expected(after, first!.id), second: expected(after, second!.id) }) : 'a block closed meanwhile';
    }, { timeout: 60_000, intervals: [500] })
    .toBe(true);
  // The H100 capture's own idle figures reached the network and came back: no dashes.
  const shown = await cells(page, second!.id);
  expect(shown.temperature).toMatch(/^\d+ °C$/);
  expect(shown.power).toMatch(/^\d+ W$/);
  expect((await cells(page, first!.id)).today).not.toBe(coins(0));
  await expect(row(page, second!.id).getByTestId('device-status')).toHaveText('Active');
  await page.getByTestId('account-devices').scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(SHOTS, 'fleet-home.png') });
});

test('a payout wallet change is announced on both machines and confirmed from the other one', async ({ page, browser, request }) => {
  test.setTimeout(60_000);
  const [first, second] = workers;
  await rpc(request, first!.served, 'wallet.set', { address: WALLET_1, confirm: true });
  const walletAt = async () => DeviceDetailSchema.parse(await (await request.get(`${coordinatorUrl}/v1/devices/${first!.id}`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()).wallet;
  await expect.poll(walletAt, { timeout: 15_000 }).toBe(WALLET_1); // a first wallet pays at once
  await rpc(request, first!.served, 'wallet.set', { address: WALLET_2, confirm: true });

  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(first!.served.url);
  const here = page.getByTestId('wallet-change-banner');
  await expect(here).toContainText(`Payout address changes to ${WALLET_2} at`, { timeout: 15_000 });
  await expect(here).toContainText('Asked from this machine');
  // A clock time alone hides that the default delay ends tomorrow: how long is said too.
  await expect(here).toContainText(/\(in (59 min|1 h 0 min)\)/);
  await expect(here.getByRole('button', { name: 'Confirm' })).toHaveCount(0);
  expect(await walletAt()).toBe(WALLET_1); // still paid to the old address
  // The Wallet page and Earnings say the same as the banner: the old address is paid until the change takes effect.
  await page.getByRole('navigation').getByRole('link', { name: 'Wallet' }).click();
  await expect(page.getByTestId('wallet-pending')).toContainText(`Rewards are paid to ${WALLET_1} until`);
  await expect(page.getByTestId('wallet-address')).toHaveText(WALLET_1);
  await expect(page.getByRole('row').filter({ hasText: WALLET_1 }).getByTestId('wallet-badge')).toHaveText('current');
  await expect(page.getByRole('row').filter({ hasText: WALLET_2 }).getByTestId('wallet-badge')).toHaveText(/^from /);
  await page.getByRole('navigation').getByRole('link', { name: 'Earnings & Rewards' }).click();
  await expect(page.getByTestId('payout-account')).toHaveText(WALLET_1);
  await expect(page.getByTestId('payout-account-pending')).toContainText(`then to ${WALLET_2}`);

  const other = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await other.goto(second!.served.url);
  const there = other.getByTestId('wallet-change-banner');
  await expect(there).toContainText(`Payout address changes to ${WALLET_2} at`, { timeout: 15_000 });
  await other.screenshot({ path: path.join(SHOTS, 'wallet-change-other-machine.png') });
  await there.getByRole('button', { name: 'Confirm' }).click();
  await expect(there).toHaveCount(0, { timeout: 15_000 });
  await expect(here).toHaveCount(0, { timeout: 15_000 });
  expect(await walletAt()).toBe(WALLET_2);
  await expect(page.getByTestId('payout-account')).toHaveText(WALLET_2, { timeout: 15_000 });
  await other.close();
});

test('Delete of a running machine says what happens; a stopped one is marked quiet', async ({ page, request }) => {
  test.setTimeout(60_000);
  const [first, second] = workers;
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(first!.served.url);
  await row(page, second!.id).getByRole('button', { name: 'Delete' }).click();
  await expect(page.getByTestId('delete-warning')).toContainText('is running: deleting it disconnects its worker, which stops earning for this account, and revokes its key');
  await page.getByRole('button', { name: 'Keep it' }).click();

  await second!.served.stop();
  await expect.poll(async () => (await networkDevices(request)).devices.find((d) => d.id === second!.id)!.fleet!.quietSince, { timeout: 20_000 }).not.toBeNull();
  const quietSince = (await networkDevices(request)).devices.find((d) => d.id === second!.id)!.fleet!.quietSince!;
  await page.reload();
  const quiet = row(page, second!.id).getByTestId('device-quiet');
  // HH:MM of its last heartbeat, in the browser's own zone and format.
  const hhmm = await page.evaluate((t) => new Date(t).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' }), quietSince);
  await expect(quiet).toHaveText(`quiet since ${hhmm}`, { timeout: 15_000 });
  await expect(row(page, second!.id).locator('[data-field="temperature"]')).toHaveText('–');
  await expect(row(page, second!.id).getByTestId('device-status')).toHaveText('Offline');
  // Workers: the GPU count's parts add up, the stopped machine's GPU counted offline (never idle).
  await page.getByRole('navigation').getByRole('link', { name: 'Workers' }).click();
  await expect(page.getByTestId('workers-gpus')).toHaveText(/^2 \((1 hired|1 idle), 1 offline\)$/, { timeout: 15_000 });
  await expect(page.getByTestId('workers-table').getByRole('row').filter({ hasText: 'Offline' })).toContainText('Unavailable');
  await page.getByRole('navigation').getByRole('link', { name: 'Home' }).click();
  await page.getByTestId('account-devices').scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(SHOTS, 'fleet-quiet.png') });
});
