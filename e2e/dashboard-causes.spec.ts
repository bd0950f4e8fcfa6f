// Failure causes wherever a block shows: a real devnet coordinator whose tiers no link can meet (the
// network measures the link itself, so the worker cannot talk its way up) fails every block; each Block
// Rewards row says why in the Block page's own sentence and links to that page, and Home and Device
// link to the block that changed them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { startCoordinator, type CoordinatorProcess } from './coordinator.ts';
import { rpc, startServe, type Served } from './serve.ts';

const PARAMS = {
  blockSeconds: 4,
  eligibility: { minUptimeSeconds: 0, requireWallet: false },
  pow: { size: 16, deadlineSeconds: 3, openSeconds: 1 },
  potl: { challengesPerBlock: 1, deadlineSeconds: 2, passShare: 0.5 },
  // 1 Tbit/s both ways within 0.001 ms: the measured loopback is tier 0.
  tiers: [{ tier: 1, minDownMbps: 1e6, minUpMbps: 1e6, maxLatencyMs: 0.001 }],
  link: { bytes: 256 * 1024 },
};

let coordinator: CoordinatorProcess;
let served: Served;
let tmp: string;

test.beforeAll(async ({ request }) => {
  test.setTimeout(120_000);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'io-worker-e2e-causes-'));
  fs.writeFileSync(path.join(tmp, 'params.json'), JSON.stringify(PARAMS));
  coordinator = await startCoordinator({ paramsFile: path.join(tmp, 'params.json') });
  const url = coordinator.url;
  served = await startServe({}, ['--network', url]);
  // Two failed blocks this worker took part in.
  await expect
    .poll(async () => (await rpc<{ rows: { status: string }[] }>(request, served, 'rewards.page', { pageSize: 5 })).rows.filter((r) => r.status === 'failed').length, { timeout: 60_000 })
    .toBeGreaterThan(1);
});

test.afterAll(async () => {
  await served?.stop();
  await coordinator?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test('a failed Block Rewards row says why in the Block page’s sentence, and links to that block', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(served.url);
  await page.getByRole('link', { name: 'Earnings & Rewards' }).click();
  const rewards = page.getByRole('table', { name: 'Block Rewards history' });
  const row = rewards.getByRole('row').filter({ hasText: 'Failed' }).first();
  // The cause is the line under its row (in a cell it squeezed the table past a narrow card).
  const cause = rewards.getByTestId('reward-cause').first();
  await expect(rewards.locator('tr.cause-row').first().locator('td')).toHaveAttribute('colspan', '11');
  // The network measured this link: tier 0, whatever the worker's own test claimed.
  await expect(cause).toHaveText(/^The network did not count this block\. .*Connectivity tier 0: the network has not measured this link yet, or measured it too slow/);
  await expect(row.getByRole('cell').nth(3)).toHaveText('Tier 0');
  const sentence = (await cause.textContent())!;
  const id = (await row.getByRole('cell').nth(0).textContent())!.trim();
  await page.screenshot({ path: test.info().outputPath('rewards-causes.png'), fullPage: true });

  await cause.getByRole('link').click();
  await expect(page.getByRole('heading', { level: 1, name: `Block ${id}` })).toBeVisible();
  // One cause maker: the row's sentence is the Block page's.
  await expect(page.getByTestId('block-cause')).toHaveText(sentence);

  // Home: the last block's line links to it.
  await page.getByRole('link', { name: 'Home' }).click();
  const see = page.getByTestId('see-block').first();
  await expect(see).toHaveText(/^see block \d+$/);
  await page.screenshot({ path: test.info().outputPath('home-see-block.png'), fullPage: true });
  const shown = (await see.textContent())!.replace('see block ', '');
  await see.click();
  await expect(page.getByRole('heading', { level: 1, name: `Block ${shown}` })).toBeVisible();

  // Device: "Last block: N, Failed: cause", linking to the block.
  await page.getByRole('link', { name: 'Device details' }).click();
  const last = page.getByTestId('last-block');
  await expect(last).toHaveText(/^Last block: \d+, Failed: The network did not count this block\. /);
  await page.screenshot({ path: test.info().outputPath('device-last-block.png'), fullPage: true });
  const lastId = /Last block: (\d+)/.exec((await last.textContent())!)![1];
  await last.click();
  await expect(page.getByRole('heading', { level: 1, name: `Block ${lastId}` })).toBeVisible();
  expect(errors).toEqual([]);
});
