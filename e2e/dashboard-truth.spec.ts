// Truth in every state, as a new user lives it: a real coordinator process and a real `io-worker serve`
// joined to it; the coordinator is stopped and started again, the owner pauses. Every page must say
// what is true at each moment: one uptime everywhere, "unknown since" for what only the network
// judges while it is away, a live retry countdown in words, stale rows kept, notices recorded.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { freePort, startCoordinator as startNetwork, type CoordinatorProcess } from './coordinator.ts';
import { seconds, startServe, type Served } from './serve.ts';

const ADMIN = crypto.randomBytes(18).toString('base64url');
// Ten minutes of unbroken uptime asked: the countdown is running through the whole test.
const PARAMS = {
  blockSeconds: 4,
  eligibility: { minUptimeSeconds: 600, requireWallet: false },
  pow: { size: 16, deadlineSeconds: 3 },
  potl: { challengesPerBlock: 2, deadlineSeconds: 2, passShare: 0.5 },
};

let tmp: string;
let port: number;
let coordinator: CoordinatorProcess | null = null;
let served: Served;

/** The coordinator on its fixed port and data dir: started again, it is the same network with the same devices. */
async function startCoordinator(): Promise<void> {
  coordinator = await startNetwork({ port, dataDir: path.join(tmp, 'net'), paramsFile: path.join(tmp, 'params.json'), adminToken: ADMIN });
}

async function stopCoordinator(): Promise<void> {
  const running = coordinator;
  coordinator = null;
  await running?.stop();
}

async function openHome(page: Page): Promise<void> {
  await page.goto(served.url);
  await expect(page.getByRole('heading', { level: 1, name: 'Home' })).toBeVisible();
}

test.beforeAll(async () => {
  test.setTimeout(90_000);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'io-worker-e2e-truth-'));
  fs.writeFileSync(path.join(tmp, 'params.json'), JSON.stringify(PARAMS));
  port = await freePort();
  await startCoordinator();
  served = await startServe({}, ['--network', `http://127.0.0.1:${port}`]);
});

test.afterAll(async () => {
  await served?.stop();
  await stopCoordinator();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test('one uptime, unknown while the network is away, a live retry countdown, stale rows and notices', async ({ page, request }) => {
  test.setTimeout(150_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await openHome(page);

  // Online: the countdown ticks, and the streak matches the network's own count.
  await expect(page.getByTestId('countdown-left')).toBeVisible({ timeout: 30_000 });
  const left1 = seconds(await page.getByTestId('countdown-left').textContent());
  await page.waitForTimeout(2100);
  const left2 = seconds(await page.getByTestId('countdown-left').textContent());
  expect(left1 - left2).toBeGreaterThanOrEqual(1);
  expect(left1 - left2).toBeLessThanOrEqual(3);
  const status = await request.post(`${served.origin}/api/rpc/system.status`, { data: {}, headers: { authorization: `Bearer ${served.token}` } });
  const deviceId = ((await status.json()) as { result: { deviceId: string } }).result.deviceId;
  const explorer = async () => {
    const res = await request.get(`http://127.0.0.1:${port}/v1/devices`);
    const body = (await res.json()) as { devices: { id: string; upForSeconds: number }[] };
    return body.devices.find((d) => d.id === deviceId)!.upForSeconds;
  };
  // The page shows the streak as of the instant in its data-at (it refreshes once a second); the
  // network's count is taken back to that instant, and the two agree to the second.
  const agrees = async (testId: string) => {
    const shown = page.getByTestId(testId);
    const [text, at] = [await shown.textContent(), Number(await shown.getAttribute('data-at'))];
    const sent = Date.now();
    const networkUp = await explorer();
    const asked = (sent + Date.now()) / 2; // when the network counted, within a few ms
    // Both count whole seconds gone by; what is left is under a second, plus the few ms of the request.
    expect(Math.abs(seconds(text) - (networkUp - (asked - at) / 1000))).toBeLessThan(1.05);
  };
  await agrees('up-for');
  // Home's countdown and "Up for" are one streak: they add up to the network's rule.
  expect(seconds(await page.getByTestId('up-for').textContent()) + seconds(await page.getByTestId('countdown-left').textContent())).toBeGreaterThanOrEqual(599);
  // A rule this network does not ask for is "not required", never a tick beside "No wallet set".
  const wallet = page.getByTestId('eligibility').locator('li', { hasText: 'Wallet set' });
  await expect(wallet).toHaveAttribute('data-state', 'not-required');
  await expect(wallet).toContainText('Not required by this network');
  await expect(page.getByTestId('eligibility')).not.toContainText('0.0 h');

  // Device details' continuous uptime is the same streak, to the second.
  await page.getByRole('link', { name: 'Device details' }).click();
  await agrees('continuous-uptime');
  await expect(page.getByTestId('traffic')).toHaveText(/\d/);
  // And per day, from the history: every run of this worker, not only this one.
  await expect(page.getByTestId('traffic-days')).toContainText(/^Today [\d.]+ \S*B sent, [\d.]+ \S*B received/);
  // Connectivity is the tier the network measured, not the worker's state.
  await expect(page.getByTestId('connectivity-tier')).toHaveText(/^Tier \d$/);
  await expect(page.getByText(/received by this worker since it started at/)).toBeVisible();

  // The network goes away.
  await stopCoordinator();
  await openHome(page);
  const banner = page.getByTestId('offline-banner');
  await expect(banner).toContainText(/The connection to the network broke \(off the network since \d/, { timeout: 20_000 });
  await expect(banner).not.toContainText('1006');
  // The retry countdown ticks in words (or the worker is trying at that moment).
  await expect(page.getByTestId('retry-in')).toHaveText(/^\d+ s$/, { timeout: 15_000 });
  const retryTexts = new Set<string>();
  // Six looks a second apart: a try in progress ("Trying to reconnect now…") may hold a few of them on a busy machine.
  for (let i = 0; i < 6; i++) {
    retryTexts.add((await banner.textContent()) ?? '');
    await page.waitForTimeout(1000);
  }
  expect(retryTexts.size).toBeGreaterThan(1);
  // What only the network judges is unknown since its last judgement; the countdown stops and says why.
  for (const rule of ['Continuous uptime', 'Proofs passed', 'Worker running']) {
    const item = page.getByTestId('eligibility').locator('li', { hasText: rule });
    await expect(item).toHaveAttribute('data-state', 'unknown');
    await expect(item).toContainText(/unknown since \d/);
  }
  await expect(page.getByTestId('eligibility-countdown')).toContainText('Countdown stopped at');
  const frozen = await page.getByTestId('up-for').textContent();
  await page.waitForTimeout(1500);
  await expect(page.getByTestId('up-for')).toHaveText(frozen!);
  // "Your devices" keeps the last rows, marked stale.
  await expect(page.getByTestId('account-devices').getByRole('row')).toHaveCount(2);
  await expect(page.getByTestId('devices-stale')).toContainText('Last known');
  await expect(page.getByTestId('account-devices')).toContainText('stale');
  await page.screenshot({ path: test.info().outputPath('home-network-away.png'), fullPage: true });
  // A dashboard opened only now (nothing kept) says why it lists no machines, and Workers says why it has no list.
  const fresh = await page.context().browser()!.newPage({ viewport: { width: 1280, height: 800 } });
  await openHome(fresh);
  await expect(fresh.getByTestId('devices-unreachable')).toContainText('The network cannot be reached', { timeout: 20_000 });
  await fresh.getByRole('link', { name: 'Workers' }).click();
  await expect(fresh.getByTestId('workers-unreachable')).toContainText(/cannot be reached/, { timeout: 20_000 });
  await expect(fresh.getByTestId('workers-unreachable')).not.toContainText('fetch failed');
  await expect(fresh.getByRole('searchbox')).toHaveCount(0);
  await fresh.close();

  // The network comes back on the same port, with the same identity and devices.
  await startCoordinator();
  await expect(page.getByTestId('offline-banner')).toHaveCount(0, { timeout: 70_000 });
  await expect(page.getByTestId('eligibility').locator('li', { hasText: 'Continuous uptime' })).not.toHaveAttribute('data-state', 'unknown', { timeout: 15_000 });
  // Disconnect and reconnect are in the Notifications history.
  await page.getByRole('link', { name: 'Device details' }).click();
  await page.getByRole('tab', { name: 'Notifications history' }).click();
  await expect(page.getByRole('tabpanel')).toContainText('Disconnected from the network', { timeout: 10_000 });
  await expect(page.getByRole('tabpanel')).toContainText('Back on the network');
  await expect(page.getByRole('tabpanel')).not.toContainText('1006');

  // The owner pauses: the cost is said first, then "Worker running" says who paused it.
  await openHome(page);
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  await expect(page.getByTestId('pause-confirm')).toContainText('earns no block rewards');
  await page.getByTestId('pause-confirm').getByRole('button', { name: 'Pause', exact: true }).click();
  const running = page.getByTestId('eligibility').locator('li', { hasText: 'Worker running' });
  await expect(running).toHaveAttribute('data-state', 'failing');
  await expect(running).toContainText('Paused by you');
  await page.screenshot({ path: test.info().outputPath('home-paused.png'), fullPage: true });
  await page.getByRole('button', { name: 'Resume earning' }).click();
  await expect(running).not.toContainText('Paused by you', { timeout: 10_000 });

  // Settings says which network is in use, and that it was set on the command line.
  await page.getByRole('link', { name: 'Settings' }).click();
  await expect(page.getByTestId('network-in-use')).toContainText(`http://127.0.0.1:${port}`);
  await expect(page.getByTestId('network-in-use')).toContainText('set on the command line (--network)');

  expect(errors).toEqual([]);
});
