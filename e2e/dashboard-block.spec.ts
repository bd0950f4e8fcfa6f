// The block page against a real network: a devnet coordinator with 4-second blocks and a real
// `io-worker serve` joined to it. A Block Rewards row opens its block: the network's verdict beside
// what the worker saw (each challenge with its arrival and answer), and the sentence that explains it.
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
  potl: { challengesPerBlock: 2, deadlineSeconds: 2, passShare: 0.5 },
};

let coordinator: CoordinatorProcess;
let served: Served;
let tmp: string;

test.beforeAll(async ({ request }) => {
  test.setTimeout(120_000);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'io-worker-e2e-block-'));
  fs.writeFileSync(path.join(tmp, 'params.json'), JSON.stringify(PARAMS));
  coordinator = await startCoordinator({ paramsFile: path.join(tmp, 'params.json') });
  const url = coordinator.url;
  served = await startServe({}, ['--network', url]);
  // A passed block whose challenges this worker saw (the first block may have opened before it joined).
  await expect
    .poll(async () => (await rpc<{ rows: { status: string; potl: { issued: number } | null }[] }>(request, served, 'rewards.page', { pageSize: 5 })).rows.filter((r) => r.status === 'passed').length, { timeout: 60_000 })
    .toBeGreaterThan(1);
});

test.afterAll(async () => {
  await served?.stop();
  await coordinator?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test('a Block Rewards row opens its block: verdict, the worker’s record on one time line, and the cause', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(served.url);
  await page.getByRole('link', { name: 'Earnings & Rewards' }).click();
  const rewards = page.getByRole('table', { name: 'Block Rewards history' });
  // The row's tier, processor and quantity come from the network's block result.
  const row = rewards.getByRole('row').filter({ hasText: 'Completed' }).nth(1);
  await expect(row.getByRole('cell').nth(3)).toHaveText(/^Tier \d$/);
  await expect(row.getByRole('cell').nth(4)).toHaveText(/^(CPU|GPU)$/);
  await expect(row.getByRole('cell').nth(5)).toHaveText(/^\d+$/);
  const id = (await row.getByRole('cell').nth(0).textContent())!.trim();
  await row.getByRole('link', { name: id }).click();

  await expect(page.getByRole('heading', { level: 1, name: `Block ${id}` })).toBeVisible();
  await expect(page.getByTestId('block-cause')).toHaveText('Completed: every proof was answered in time.');
  const verdict = page.getByTestId('block-verdict');
  await expect(verdict).toContainText('Completed');
  await expect(verdict).toContainText(/Tier\s*Tier \d/);
  await expect(verdict).toContainText(/Reward\s*[\d,.]+ IO/);
  // Words, not the wire's codes; this machine by its name (the id kept beside it), the day said once.
  await expect(verdict).toContainText(/Compute proof \(POW\)\s*(Passed|Skipped \(hired\))/);
  await expect(verdict).toContainText(/\d+ of \d+ answered, as the network counted them/);
  const when = page.getByTestId('block-when');
  await expect(when).toContainText(/^\S.* \(dev-[0-9a-f]{16}\) · /);
  await expect(when).not.toHaveText(/^Device dev-/);
  const year = String(new Date().getFullYear());
  expect(((await when.textContent()) ?? '').replace(/dev-[0-9a-f]{16}/, '').split(year).length - 1).toBe(1);
  await expect(page.getByRole('heading', { name: 'What this worker saw' })).toBeVisible();
  const events = page.getByTestId('block-events');
  await expect(events).toContainText(/Liveness challenge arrived \(deadline/);
  await expect(events).toContainText(/Liveness challenge answer sent: .* in time/);
  await expect(events).toContainText('answer acknowledged by the network');
  await expect(page.getByRole('img', { name: /time line/ })).toBeVisible();
  await page.screenshot({ path: test.info().outputPath('block.png'), fullPage: true });

  await page.getByRole('link', { name: '← Earnings & Rewards' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Earnings & Rewards' })).toBeVisible();
  expect(errors).toEqual([]);
});
