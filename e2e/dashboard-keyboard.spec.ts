// Keyboard and reading, and the charts' figures, against a real `io-worker serve` whose nvidia-smi
// replays the real H200 capture: the skip link, arrow keys in the range control and the tabs, focus
// on the page heading after navigation, Enter in the wallet form, the limit line kept on every range,
// the hotspot the H200 does not report left out of the legend with a note, and the min, max and
// average beside each chart equal to what the worker served.
import { expect, test, type Locator, type Page } from '@playwright/test';
import { loadCapture, queryGpuTable } from '../main/probes/testing/capture-file.mjs';
import { FAKE_NVIDIA_SMI, capturePath } from '../main/probes/testing/captures.ts';
import { startServe, type Served } from './serve.ts';

const CAPTURE = capturePath('linux-x86_64__nvidia-h200__590.48.01');
/** The capture's idle row as field -> raw cell (numbers without units). */
const ROW: Record<string, string> = (() => {
  const table = queryGpuTable(loadCapture(CAPTURE), 'idle');
  return Object.fromEntries(table.fields.map((f: string, i: number) => [f, table.rows[0]![i]!.replace(/\s*(W|MiB|%|MHz)$/, '')]));
})();
/** A figure as the charts write it: one decimal at most, then the unit. */
// The table's figures are bare numbers; the unit stands once in its corner.
const shown = (value: number, _unit: string) => `${Math.round(value * 10) / 10}`;

interface Point {
  n: number;
  min: number;
  avg: number;
  max: number;
}
interface HistoryReply {
  device: string;
  metric: string;
  points: Point[];
}

let served: Served;

test.beforeAll(async () => {
  served = await startServe({ IO_WORKER_NVIDIA_SMI: FAKE_NVIDIA_SMI, FAKE_NVIDIA_SMI_CAPTURE: CAPTURE, FAKE_NVIDIA_SMI_STATE: 'idle' });
});
test.afterAll(async () => served?.stop());

const nav = (page: Page) => page.getByRole('navigation', { name: 'Main' });
const chartCard = (page: Page, title: string) => page.locator('.chart-card').filter({ has: page.getByRole('heading', { name: title, exact: true }) });

/** The history answers the page received over its WebSocket, newest last. */
function recordHistory(page: Page): HistoryReply[] {
  const replies: HistoryReply[] = [];
  page.on('websocket', (ws) =>
    ws.on('framereceived', ({ payload }) => {
      const message = JSON.parse(String(payload)) as { kind: string; reply?: { ok: boolean; result?: HistoryReply } };
      const result = message.kind === 'reply' && message.reply?.ok ? message.reply.result : undefined;
      if (result && Array.isArray(result.points) && typeof result.metric === 'string') replies.push(result);
    }),
  );
  return replies;
}

async function openDevice(page: Page): Promise<void> {
  await page.goto(served.url);
  await nav(page).getByRole('link', { name: 'Device details' }).click();
  await expect(page.getByTestId('gpu-spec')).toContainText(ROW.name!);
}

/** One line's figures as the table beside the chart shows them: now, min, max, average. */
async function figures(card: Locator, line: string): Promise<string[]> {
  return card.getByTestId('chart-stats').getByRole('row').filter({ has: card.page().getByRole('rowheader', { name: line, exact: true }) }).getByRole('cell').allTextContents();
}

test('Tab reaches the skip link first, and it moves focus to the main content', async ({ page }) => {
  await page.goto(served.url);
  await expect(page.getByRole('heading', { level: 1, name: 'Home' })).toBeVisible();
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to content' });
  await expect(skip).toBeFocused();
  await expect(skip).toBeInViewport();
  await page.keyboard.press('Enter');
  await expect(page.locator('main')).toBeFocused();
  expect(await page.evaluate(() => location.hash)).not.toBe('#content'); // the route stays Home
  // The next Tab lands inside the page, past the navigation.
  await page.keyboard.press('Tab');
  expect(await page.evaluate(() => document.querySelector('main')!.contains(document.activeElement) && document.activeElement !== document.querySelector('main'))).toBe(true);
});

test('navigation moves focus to the new page’s heading', async ({ page }) => {
  await page.goto(served.url);
  await expect(page.getByRole('heading', { level: 1, name: 'Home' })).toBeVisible();
  for (const [link, heading] of [['Device details', /.+/], ['Wallet', 'Wallet'], ['Settings', 'Settings'], ['Home', 'Home']] as const) {
    await nav(page).getByRole('link', { name: link }).focus();
    await page.keyboard.press('Enter');
    const h1 = page.getByRole('heading', { level: 1 });
    await expect(h1).toHaveText(heading);
    await expect(h1).toBeFocused();
  }
});

test('arrow keys move the time range (15 min → 24 h → 7 d) and the charts follow', async ({ page }) => {
  await openDevice(page);
  const ranges = page.getByRole('radiogroup', { name: 'Time range' });
  const radio = (name: string) => ranges.getByRole('radio', { name });
  const temperature = chartCard(page, 'Temperature');
  await expect(temperature.locator('.chart')).toHaveAttribute('data-state', 'drawn');
  // One Tab stop: only the chosen range is in the Tab order.
  await expect(ranges.locator('[tabindex="0"]')).toHaveCount(1);
  await radio('15 min').focus();
  await page.keyboard.press('ArrowRight');
  await expect(radio('24 h')).toBeFocused();
  await expect(radio('24 h')).toHaveAttribute('aria-checked', 'true');
  await expect(page.getByRole('img', { name: 'Temperature, last 24h' })).toBeVisible();
  await expect(temperature.locator('.chart.history')).toHaveAttribute('data-state', 'drawn');
  await page.keyboard.press('ArrowRight');
  await expect(radio('7 d')).toHaveAttribute('aria-checked', 'true');
  await expect(page.getByRole('img', { name: 'Temperature, last 7d' })).toBeVisible();
  await page.keyboard.press('ArrowRight'); // wraps around
  await expect(radio('15 min')).toHaveAttribute('aria-checked', 'true');
  await expect(radio('15 min')).toBeFocused();
  await page.keyboard.press('ArrowLeft');
  await expect(radio('7 d')).toHaveAttribute('aria-checked', 'true');
  await page.keyboard.press('Home');
  await expect(radio('15 min')).toHaveAttribute('aria-checked', 'true');
  await expect(page.getByRole('img', { name: 'Temperature, last 15 minutes' })).toBeVisible();
  await expect(temperature.locator('.chart:not(.history)')).toHaveAttribute('data-state', 'drawn');
});

test('arrow keys move between the Device history tabs', async ({ page }) => {
  await openDevice(page);
  const tabs = page.getByRole('tablist', { name: 'Device history' });
  const tab = (name: string) => tabs.getByRole('tab', { name });
  await tab('Services').focus();
  await page.keyboard.press('ArrowRight');
  await expect(tab('Jobs history')).toBeFocused();
  await expect(tab('Jobs history')).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('tabpanel', { name: 'Jobs history' })).toBeVisible();
  await page.keyboard.press('End');
  await expect(tab('Block Rewards')).toBeFocused();
  await page.keyboard.press('ArrowRight'); // wraps to the first
  await expect(tab('Services')).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('ArrowLeft');
  await expect(tab('Block Rewards')).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('Home');
  await expect(tab('Services')).toBeFocused();
  await expect(page.getByRole('tabpanel', { name: 'Services' })).toBeVisible();
});

test('the power chart keeps its 700 W limit on every range, in its legend and its text alternative', async ({ page }) => {
  await openDevice(page);
  const limit = Math.round(Number(ROW['enforced.power.limit']));
  const power = chartCard(page, 'Power against limit');
  for (const [range, name] of [['15 min', 'last 15 minutes'], ['24 h', 'last 24h'], ['7 d', 'last 7d']] as const) {
    await page.getByRole('radio', { name: range }).click();
    const chart = page.getByRole('img', { name: `Power against limit, ${name}` });
    await expect(power.locator('.chart')).toHaveAttribute('data-state', 'drawn');
    await expect(chart).toHaveAttribute('data-legend', 'GPU 0 | GPU 0 limit');
    await expect(chart).toHaveAccessibleDescription(new RegExp(`GPU 0 limit: ${limit} W`));
    // The latest value is read out too.
    await expect(chart).toHaveAccessibleDescription(/GPU 0: now \d+(\.\d)? W, min/);
  }
});

test('the hotspot the H200 does not report is left out of the legend and the table, with a note', async ({ page }) => {
  expect(ROW['temperature.gpu.hotspot'] ?? '[N/A]').toMatch(/N\/A|^$/); // the capture itself has no hotspot
  await openDevice(page);
  const temperature = chartCard(page, 'Temperature');
  for (const range of ['15 min', '24 h'] as const) {
    await page.getByRole('radio', { name: range }).click();
    await expect(temperature.locator('.chart')).toHaveAttribute('data-state', 'drawn');
    const chart = temperature.getByRole('img');
    await expect(chart).toHaveAttribute('data-legend', /GPU 0 core/);
    await expect(chart).toHaveAttribute('data-legend', /Memory/);
    await expect(chart).not.toHaveAttribute('data-legend', /Hotspot/);
    await expect(temperature.getByTestId('chart-missing')).toHaveText('Not reported in this range, so left out: Hotspot.');
    await expect(temperature.getByRole('rowheader', { name: 'Hotspot' })).toHaveCount(0);
    await expect(temperature.getByRole('rowheader', { name: 'GPU 0 core' })).toBeVisible();
  }
});

test('min, max and average beside each chart are the served readings’', async ({ page }) => {
  const history = recordHistory(page);
  await openDevice(page);
  // Live: the fake nvidia-smi serves the capture's idle row every second.
  const power = chartCard(page, 'Power against limit');
  const draw = shown(Number(ROW['power.draw']), ' W');
  await expect.poll(() => figures(power, 'GPU 0')).toEqual([draw, draw, draw, draw]);
  const core = shown(Number(ROW['temperature.gpu']), ' °C');
  await expect.poll(() => figures(chartCard(page, 'Temperature'), 'GPU 0 core')).toEqual([core, core, core, core]);
  await page.waitForTimeout(2000); // a few samples, so the shot shows lines, not points
  await page.screenshot({ path: test.info().outputPath('device-15min-1280x800.png') });

  // Stored: the figures of the history answer the page got (extremes of the buckets, average weighed by samples).
  await page.getByRole('radio', { name: '24 h' }).click();
  await expect(power.locator('.chart.history')).toHaveAttribute('data-state', 'drawn');
  await expect
    .poll(async () => {
      const answer = history.filter((h) => h.device === 'gpu0' && h.metric === 'powerW').at(-1);
      if (!answer?.points.length) return 'no answer yet';
      const n = answer.points.reduce((s, p) => s + p.n, 0);
      const want = [
        shown(answer.points.at(-1)!.avg, ' W'),
        shown(Math.min(...answer.points.map((p) => p.min)), ' W'),
        shown(Math.max(...answer.points.map((p) => p.max)), ' W'),
        shown(answer.points.reduce((s, p) => s + p.avg * p.n, 0) / n, ' W'),
      ];
      const got = await figures(power, 'GPU 0');
      return JSON.stringify(got) === JSON.stringify(want) ? 'equal' : `shown ${got.join(', ')}; served ${want.join(', ')}`;
    })
    .toBe('equal');
  await page.screenshot({ path: test.info().outputPath('device-24h-1280x800.png') });
  await page.screenshot({ path: test.info().outputPath('device-24h-full.png'), fullPage: true });
});

test('Enter submits the wallet form: a malformed address is refused at once, a good one goes to confirm and save', async ({ page }) => {
  await page.goto(served.url);
  await nav(page).getByRole('link', { name: 'Wallet' }).click();
  const input = page.getByLabel('Solana address');
  await input.fill('0WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM');
  await input.press('Enter');
  await expect(page.getByRole('alert')).toContainText('Not saved:');
  await expect(page.getByRole('alert')).toContainText('not a base58 character');
  await expect(input).toBeFocused();
  await expect(input).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByTestId('wallet-missing')).toBeVisible();

  await input.fill('9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM');
  await input.press('Enter');
  await expect(page.getByRole('alert')).toHaveCount(0);
  const confirm = page.getByRole('button', { name: 'Confirm and save' });
  await expect(confirm).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('wallet-address')).toHaveText('9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM');
});
