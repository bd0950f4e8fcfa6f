// The headless dashboard as a new user meets it: open the printed link in Chromium, see this
// machine. Without the token: no data, over HTTP or WebSocket.
import os from 'node:os';
import { expect, test } from '@playwright/test';
import si from 'systeminformation';
import { startServe, type Served } from './serve.ts';

let served: Served;
test.beforeAll(async () => {
  served = await startServe();
});
test.afterAll(async () => {
  await served?.stop();
});

test('the printed URL opens Home with this machine’s CPU brand', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{20,}$/);
  await page.goto(served.url);
  const cpu = await si.cpu();
  const brand = [cpu.manufacturer, cpu.brand].filter(Boolean).join(' ').trim() || os.cpus()[0]!.model;
  await expect(page.getByTestId('cpu-brand')).toHaveText(brand);
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  await expect(page.getByRole('status').first()).toContainText(/Idle|Starting|Earning/);
  // The token leaves the address bar once the page has it.
  expect(new URL(page.url()).searchParams.get('token')).toBeNull();
  // Live telemetry arrives: the CPU figure becomes a percentage.
  await expect(page.getByTestId('cpu-util')).toHaveText(/^\d+(\.\d)? %$/);
  await page.screenshot({ path: test.info().outputPath('home.png'), fullPage: true });
  expect(errors).toEqual([]);
});

test('without the token the page shows no data and explains why', async ({ page }) => {
  await page.goto(`${served.origin}/`);
  await expect(page.getByRole('heading', { name: 'This dashboard needs its access link' })).toBeVisible();
  await expect(page.getByTestId('cpu-brand')).toHaveCount(0);
});

test('a wrong token is refused and the page says so', async ({ page }) => {
  await page.goto(`${served.origin}/?token=not-the-token`);
  await expect(page.getByRole('heading', { name: 'This access link is no longer valid' })).toBeVisible();
  await expect(page.getByTestId('cpu-brand')).toHaveCount(0);
});

test('data endpoints refuse requests without the token or from another origin', async ({ request }) => {
  const rpc = `${served.origin}/api/rpc/system.inventory`;
  expect((await request.post(rpc, { data: {} })).status()).toBe(401);
  expect((await request.post(rpc, { data: {}, headers: { authorization: 'Bearer wrong' } })).status()).toBe(401);
  const foreign = await request.post(rpc, {
    data: {},
    headers: { authorization: `Bearer ${served.token}`, origin: 'http://evil.example' },
  });
  expect(foreign.status()).toBe(403);
  const ok = await request.post(rpc, { data: {}, headers: { authorization: `Bearer ${served.token}` } });
  expect(ok.status()).toBe(200);
  expect((await ok.json()).result.cpu.threads).toBe(os.cpus().length);
});

test('Settings saves a change through the contract, and a bad value is refused with a reason', async ({ page }) => {
  await page.goto(served.url);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
  await page.getByLabel('Theme').selectOption('dark');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await page.screenshot({ path: test.info().outputPath('settings-dark.png'), fullPage: true });
  // The network choice is read whole in its field, not cut off.
  const kind = page.getByLabel('Connect to');
  expect(await kind.evaluate((el: HTMLSelectElement) => {
    const probe = document.createElement('span');
    probe.style.font = getComputedStyle(el).font;
    probe.textContent = el.selectedOptions[0]!.text;
    document.body.append(probe);
    const fits = probe.getBoundingClientRect().width + 28 <= el.clientWidth; // 28 px: the arrow and padding
    probe.remove();
    return fits;
  })).toBe(true);
  await page.getByLabel('GPU core temperature, °C').fill('500');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByText(/limits\.gpuTemperatureC/)).toBeVisible();
});

test('Wallet checks the address as it is typed, asks to confirm, and keeps the history', async ({ page }) => {
  await page.goto(served.url);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Wallet' }).click();
  await expect(page.getByTestId('wallet-missing')).toBeVisible();
  const input = page.getByLabel('Solana address');
  await input.fill('0WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM');
  await expect(page.locator('#wallet-check')).toContainText('not a base58 character');
  await expect(page.getByRole('button', { name: 'Continue' })).toBeDisabled();
  await input.fill('9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM');
  await expect(page.locator('#wallet-check')).toContainText('Valid Solana address');
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('button', { name: 'Confirm and save' }).click();
  await expect(page.getByTestId('wallet-address')).toHaveText('9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM');
  await expect(page.getByRole('row')).toHaveCount(2); // header + the current address
  await page.screenshot({ path: test.info().outputPath('wallet.png'), fullPage: true });
});

test('Home renames this machine on the network and locally, after the user confirms with Save', async ({ page }) => {
  await page.goto(served.url);
  const devices = page.getByTestId('account-devices');
  await expect(devices.getByRole('row')).toHaveCount(2); // header + this machine
  await devices.getByRole('button', { name: 'Rename' }).click();
  await devices.getByLabel(/New name for/).fill('rig-e2e');
  await devices.getByRole('button', { name: 'Save' }).click();
  await expect(devices.getByRole('row').nth(1)).toContainText('rig-e2e');
  await expect(page.getByTestId('device-name')).toHaveText('rig-e2e');
});

test('Earnings before any block says this network’s own block length and the day its "today" counts', async ({ page, request }) => {
  const rpc = async <T,>(channel: string): Promise<T> =>
    ((await (await request.post(`${served.origin}/api/rpc/${channel}`, { data: {}, headers: { authorization: `Bearer ${served.token}` } })).json()) as { result: T }).result;
  await expect.poll(async () => (await rpc<{ blockSeconds: number | null }>('worker.eligibility')).blockSeconds, { timeout: 20_000 }).not.toBeNull();
  const { blockSeconds } = await rpc<{ blockSeconds: number }>('worker.eligibility');
  await page.goto(served.url);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Earnings & Rewards' }).click();
  await expect(page.getByTestId('total-today-note')).toHaveText(/^since midnight, \S+ time$/);
  const every = blockSeconds === 3600 ? 'hour' : null;
  const empty = page.getByTestId('rewards-empty');
  // The built-in devnet closes a block an hour: before the first one the note says so, never a fixed "5 h" of uptime.
  await expect(page.getByTestId('rewards-count')).toHaveText(/\d+ blocks? recorded/);
  if ((await page.getByTestId('rewards-count').textContent())?.startsWith('0 blocks')) {
    await expect(empty).toContainText(every ? `This network closes a block every ${every}` : 'This network closes a block every');
    await expect(empty).not.toContainText('5 h');
  }
});
