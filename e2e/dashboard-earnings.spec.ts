// Earnings & Rewards and the device's history tabs against a real network: a standalone devnet
// coordinator with 4-second blocks (eligibility without the 5 h wait, no wallet needed) and a real
// `io-worker serve` joined to it. A short hire is paid, blocks close and land in the ledger; the
// page must show what the ledger holds, export it, and the tabs must work from the keyboard.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { startCoordinator, type CoordinatorProcess } from './coordinator.ts';
import { rpc, startServe, type Served } from './serve.ts';

const ADMIN = crypto.randomBytes(18).toString('base64url');
const PARAMS = {
  blockSeconds: 4,
  eligibility: { minUptimeSeconds: 0, requireWallet: false },
  pow: { size: 16, deadlineSeconds: 3 },
  potl: { challengesPerBlock: 2, deadlineSeconds: 2, passShare: 0.5 },
  // A CPU hour at 360 coins: a 7-second hire pays about 0.7 coins, enough to read.
  hire: { ratePerHourGPU: 1000, ratePerHourCPU: 360 },
};

let coordinator: CoordinatorProcess;
let coordinatorUrl: string;
let served: Served;
let deviceId: string;
let tmp: string;

test.beforeAll(async ({ request }) => {
  test.setTimeout(120_000);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'io-worker-e2e-net-'));
  fs.writeFileSync(path.join(tmp, 'params.json'), JSON.stringify(PARAMS));
  coordinator = await startCoordinator({ paramsFile: path.join(tmp, 'params.json'), adminToken: ADMIN });
  coordinatorUrl = coordinator.url;
  served = await startServe({}, ['--network', coordinatorUrl]);
  deviceId = /device (\S+)\)/.exec(served.output())![1]!;

  // Wait for a passed block (the device is then known and eligible), then hire it for ~7 s.
  await expect.poll(async () => (await rpc<{ total: number }>(request, served, 'rewards.page', { pageSize: 1 })).total, { timeout: 40_000 }).toBeGreaterThan(0);
  const hire = await request.post(new URL('/v1/hires', coordinatorUrl).toString(), {
    data: { deviceId, hours: 0.002, workload: { kind: 'benchmark' } },
    headers: { authorization: `Bearer ${ADMIN}` },
  });
  expect(hire.status(), await hire.text()).toBeLessThan(300);
  // The hire ends, is paid pro rata, and the payout lands in the ledger.
  await expect.poll(async () => (await rpc<unknown[]>(request, served, 'payouts.list', {})).length, { timeout: 40_000 }).toBeGreaterThan(0);
});

test.afterAll(async () => {
  await served?.stop();
  await coordinator?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test('Earnings & Rewards shows the ledger’s totals, daily charts, block history, payouts, and exports CSV', async ({ page, request }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(served.url);
  await page.getByRole('link', { name: 'Earnings & Rewards' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Earnings & Rewards' })).toBeVisible();

  // Totals: real figures, matching the ledger at the time of reading (blocks keep closing: poll both).
  const summary = await rpc<{ totals: { blockRewards: number; jobEarnings: number; computeHours: number; blocksPassed: number } }>(request, served, 'rewards.summary', { timeZone: 'UTC' });
  expect(summary.totals.blockRewards).toBeGreaterThan(0);
  expect(summary.totals.jobEarnings).toBeGreaterThan(0);
  expect(summary.totals.computeHours).toBeGreaterThan(0); // the hire's served minutes, as the worker reported them
  await expect(page.getByTestId('total-block-rewards')).toHaveText(/^[\d,]+(\.\d+)? IO$/);
  const shown = Number((await page.getByTestId('total-block-rewards').textContent())!.replace(/[^\d.]/g, ''));
  expect(shown).toBeGreaterThanOrEqual(summary.totals.blockRewards);
  const job = Number((await page.getByTestId('total-job-earnings').textContent())!.replace(/[^\d.]/g, ''));
  expect(job).toBeCloseTo(summary.totals.jobEarnings, 2);
  await expect(page.getByTestId('total-compute-hours')).toHaveText(/^(< 0\.01|\d+(\.\d+)?) h$/);
  await expect(page.getByTestId('total-compute-hours')).not.toHaveText('0 h');

  // The daily charts are drawn (they are canvases: check they exist with their labels).
  await expect(page.getByRole('img', { name: /Blocks passed and failed per day, last 30 days/ })).toBeVisible();
  await expect(page.getByRole('img', { name: /Coins earned and missed per day, last 30 days/ })).toBeVisible();
  // Each bar chart carries its values in words (the latest day and the totals) for a screen reader.
  await expect(page.getByRole('img', { name: /Blocks passed and failed per day/ })).toHaveAccessibleDescription(/Over the 30 days shown: Passed \d+ blocks?, Failed \d+ blocks?\./);
  await expect(page.getByTestId('window-summary')).toContainText(/blocks passed/);

  // The Block Rewards table: every column, newest block first, with the proofs the network sent.
  const rewards = page.getByRole('table', { name: 'Block Rewards history' });
  const headers = await rewards.getByRole('columnheader').allTextContents();
  expect(headers).toEqual(['Block ID', 'Started', 'Status', 'Tier', 'Processor', 'Quantity', 'POW', 'POTL', 'Base score', 'Normalized score', 'Rewarded']);
  const first = rewards.getByRole('row').nth(1);
  await expect(first.getByRole('cell').nth(0)).toHaveText(/^\d+$/);
  await expect(first).toContainText('Completed');
  await expect(first.getByRole('cell').nth(6)).toHaveText(/^(Passed|Skipped \(hired\))$/);
  await expect(first.getByRole('cell').nth(7)).toHaveText(/^\d+ \/ \d+ answered$/);
  await expect(first.getByRole('cell').nth(10)).toHaveText(/ IO$/);
  const ids = (await rewards.locator('tbody tr:not(.cause-row) > td:first-child').allTextContents()).map(Number);
  expect(ids.length).toBeGreaterThan(0);
  expect([...ids].sort((a, b) => b - a)).toEqual(ids);
  // Both POW outcomes the network sent: proofs passed, and skipped while the device was hired.
  const pow = await rewards.getByRole('row').locator('td:nth-child(7)').allTextContents();
  expect(pow).toContain('Passed');
  expect(pow).toContain('Skipped (hired)');

  // CSV export through the contract's export channel.
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export CSV' }).click();
  const file = await (await download).path();
  const csv = fs.readFileSync(file, 'utf8').trim().split('\r\n');
  // The network's columns, then the worker's own record of each block and its cause.
  expect(csv[0]).toMatch(/^block_utc,block,device,status,amount,base_score,normalized_score,detail,tier,processor,quantity,pow,potl_answered,potl_issued,closed_utc,record_kept,.*,cause$/);
  expect(csv.length).toBeGreaterThan(1);
  expect(csv[1]).toContain(`,${deviceId},`);
  await expect(page.getByRole('status').filter({ hasText: /exported to io-worker-rewards-/ })).toBeVisible();

  // Payout account: none set here, so the page sends the user to the Wallet page.
  await expect(page.getByTestId('payout-account-missing')).toBeVisible();
  await expect(page.getByTestId('payout-account-missing').getByRole('link', { name: /Wallet page/ })).toHaveAttribute('href', '#/wallet');

  // The devnet paid the hire in its own ledger: no transaction, and the page says so.
  const payouts = page.getByRole('region', { name: 'Payouts' }).getByRole('table');
  await expect(payouts.getByRole('row').nth(1)).toContainText('devnet, not on-chain');
  await expect(payouts.getByRole('row').nth(1)).toContainText(/hire/);
  await expect(payouts.getByRole('link')).toHaveCount(0);

  await page.screenshot({ path: test.info().outputPath('earnings.png'), fullPage: true });
  expect(errors).toEqual([]);
});

test('the device tabs switch with the keyboard and show services, jobs, notifications and block rewards', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(served.url);
  await page.getByRole('link', { name: 'Device details' }).click();
  const tablist = page.getByRole('tablist', { name: 'Device history' });
  const tab = (name: string) => tablist.getByRole('tab', { name });
  await expect(tab('Services')).toHaveAttribute('aria-selected', 'true');
  const services = page.getByRole('tabpanel', { name: 'Services' });
  await expect(services.getByRole('row', { name: /Version Control/ })).toContainText('Manual updates'); // headless does not update itself
  await expect(services.getByRole('row', { name: /Monitor/ })).toContainText('Running');

  await tab('Services').focus();
  await page.keyboard.press('ArrowRight');
  await expect(tab('Jobs history')).toBeFocused();
  await expect(tab('Jobs history')).toHaveAttribute('aria-selected', 'true');
  await expect(tab('Services')).toHaveAttribute('tabindex', '-1');
  const jobs = page.getByRole('tabpanel', { name: 'Jobs history' });
  await expect(jobs.getByRole('table').first().getByRole('row').nth(1)).toContainText('completed');

  await page.keyboard.press('ArrowRight');
  await expect(tab('Notifications history')).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('tabpanel', { name: 'Notifications history' })).toBeVisible();

  await page.keyboard.press('ArrowRight');
  await expect(tab('Block Rewards')).toBeFocused();
  const rewards = page.getByRole('table', { name: 'Block Rewards of this device' });
  await expect(rewards.getByRole('row').nth(1)).toContainText('Completed');
  // Narrow card: the scores, processor and quantity are on the Block page; Rewarded stays in view.
  expect(await rewards.getByRole('columnheader').allTextContents()).toEqual(['Block ID', 'Started', 'Status', 'Tier', 'POW', 'POTL', 'Rewarded']);
  const rewarded = rewards.getByRole('columnheader', { name: 'Rewarded' });
  const box = await rewarded.boundingBox();
  const panel = await page.getByRole('tabpanel').boundingBox();
  expect(box!.x + box!.width).toBeLessThanOrEqual(panel!.x + panel!.width + 1);

  await page.keyboard.press('ArrowRight'); // wraps around
  await expect(tab('Services')).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('End');
  await expect(tab('Block Rewards')).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('Home');
  await expect(tab('Services')).toBeFocused();
  await page.screenshot({ path: test.info().outputPath('device-tabs.png'), fullPage: true });
  expect(errors).toEqual([]);
});
