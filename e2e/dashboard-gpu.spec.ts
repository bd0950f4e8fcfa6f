// The dashboard against a real `io-worker serve` whose nvidia-smi replays real captures (H200 and
// RTX 4080 SUPER): the values a person sees must be the capture's own. Screenshots of every page,
// in both themes, are kept as test artifacts.
import { expect, test, type Page } from '@playwright/test';
import { loadCapture, queryGpuTable } from '../main/probes/testing/capture-file.mjs';
import { FAKE_NVIDIA_SMI, capturePath, writeEightH200Capture } from '../main/probes/testing/captures.ts';
import { startServe, type Served } from './serve.ts';

const CAPTURES = [
  { name: 'H200', file: 'linux-x86_64__nvidia-h200__590.48.01' },
  { name: 'RTX 4080 SUPER', file: 'linux-x86_64__nvidia-geforce-rtx-4080-super' },
];

/** The capture's idle row as field -> raw cell (numbers without units). */
function idleRow(file: string): Record<string, string> {
  const table = queryGpuTable(loadCapture(file), 'idle');
  return Object.fromEntries(table.fields.map((f: string, i: number) => [f, table.rows[0]![i]!.replace(/\s*(W|MiB|%|MHz)$/, '')]));
}

for (const capture of CAPTURES) {
  test.describe(capture.name, () => {
    let served: Served;
    const file = capturePath(capture.file);
    const row = idleRow(file);

    test.beforeAll(async () => {
      served = await startServe({
        IO_WORKER_NVIDIA_SMI: FAKE_NVIDIA_SMI,
        FAKE_NVIDIA_SMI_CAPTURE: file,
        FAKE_NVIDIA_SMI_STATE: 'idle',
      });
    });
    test.afterAll(async () => served?.stop());

    test('Home shows the GPU with the capture’s own live values', async ({ page }) => {
      await page.goto(served.url);
      const card = page.getByTestId('gpu-card');
      await expect(card.getByRole('heading')).toHaveText(row.name!);
      await expect(card.getByTestId('gpu-temp')).toHaveText(`${row['temperature.gpu']} °C`);
      // power.draw is what nvidia-smi, gpustat and our probe report (the average on newer drivers).
      const draw = Math.round(Number(row['power.draw']));
      const limit = Math.round(Number(row['enforced.power.limit'] ?? row['power.limit']));
      await expect(card.getByTestId('gpu-power')).toHaveText(`${draw} W`);
      await expect(card.getByTestId('gpu-power-limit')).toHaveText(`of ${limit} W`);
    });

    test('Home paints the GPU from the answers its page came with, before its socket answers anything', async ({ page }) => {
      // The socket opens but never reaches the worker: what Home shows came inside the page.
      await page.routeWebSocket(/\/ws/, () => {});
      await page.goto(served.url);
      const card = page.getByTestId('gpu-card');
      await expect(card.getByRole('heading')).toHaveText(row.name!);
      await expect(card.getByTestId('gpu-temp')).toHaveText(`${row['temperature.gpu']} °C`);
    });

    test('Device details lists the GPU specs and draws its charts', async ({ page }) => {
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(served.url);
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Device details' }).click();
      await expect(page.getByTestId('gpu-spec')).toContainText(row.name!);
      await expect(page.getByTestId('gpu-spec')).toContainText(`${Math.round(Number(row['enforced.power.limit']))} W limit`);
      await expect(page.getByRole('img', { name: 'Temperature, last 15 minutes' })).toBeVisible();
      await expect(page.getByTestId('uptime-cell')).toHaveCount(30);
      // The same charts take the stored history, then the live feed again.
      const temperature = page.locator('.chart-card').filter({ has: page.getByRole('heading', { name: 'Temperature' }) });
      await page.getByRole('radio', { name: '24 h' }).click();
      await expect(page.getByRole('img', { name: 'Temperature, last 24h' })).toBeVisible();
      await expect(temperature.locator('.chart.history')).toHaveAttribute('data-state', 'drawn');
      await expect(temperature.getByText('No history for this range yet')).toHaveCount(0);
      await page.getByRole('radio', { name: '15 min' }).click();
      await expect(page.getByRole('img', { name: 'Temperature, last 15 minutes' })).toBeVisible();
      await expect(temperature.locator('.chart:not(.history)')).toHaveAttribute('data-state', 'drawn');
      expect(errors).toEqual([]);
    });

    test('Workers, Profitability and Add New Device show this machine’s real values', async ({ page }) => {
      const nav = () => page.getByRole('navigation', { name: 'Main' });
      await page.goto(served.url);
      await nav().getByRole('link', { name: 'Workers' }).click();
      const mine = page.getByTestId('workers-table').getByRole('row').filter({ hasText: 'this machine' });
      await expect(mine).toContainText(`GPU · ${row.name}`);
      await nav().getByRole('link', { name: 'Profitability' }).click();
      // The live draw stands in until 24 h of history exist: it is the capture's own power.draw.
      await expect(page.getByTestId('avg-power')).toContainText(`${Math.round(Number(row['power.draw']))} W`);
      await expect(page.getByTestId('profit-table').getByRole('row')).toHaveCount(4);
      await nav().getByRole('link', { name: 'Add New Device' }).click();
      const vramGiB = (Number(row['memory.total']) / 1024).toFixed(1);
      await expect(page.getByTestId('requirements')).toContainText(`${vramGiB} GiB on the largest card`);
      await expect(page.getByTestId('requirements')).toContainText(`${row.driver_version} (525 or newer)`);
    });

    test('every page, in both themes, renders without errors (screenshots kept)', async ({ page }) => {
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(served.url);
      const links = await page.getByRole('navigation', { name: 'Main' }).getByRole('link').all();
      const names = await Promise.all(links.map((l) => l.textContent()));
      for (const theme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: theme });
        for (const name of names) {
          await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: name! }).click();
          await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
          // Charts below the fold draw once scrolled to: scroll through, so the full-page shot shows them.
          await page.evaluate(async () => {
            for (let y = 0; y < document.documentElement.scrollHeight; y += window.innerHeight / 2) {
              window.scrollTo(0, y);
              await new Promise((r) => setTimeout(r, 50));
            }
            window.scrollTo(0, 0);
          });
          await page.waitForTimeout(300);
          const slug = name!.toLowerCase().replace(/[^a-z0-9]+/g, '-');
          await page.screenshot({ path: test.info().outputPath(`${slug}-${theme}.png`), fullPage: true });
        }
      }
      expect(errors).toEqual([]);
    });
  });
}

// SYNTHETIC: eight copies of the real H200 capture (labelled so in the file), replayed by the fake
// nvidia-smi alternating its idle and load rows each second, so every card's figures move.
test.describe('8 x H200 (synthetic, from the real H200 capture)', () => {
  let served: Served;
  test.beforeAll(async () => {
    served = await startServe({ IO_WORKER_NVIDIA_SMI: FAKE_NVIDIA_SMI, FAKE_NVIDIA_SMI_CAPTURE: writeEightH200Capture(), FAKE_NVIDIA_SMI_STATE: 'alternate' });
  });
  test.afterAll(async () => served?.stop());

  test('Home at 1920x1080 shows all eight GPUs live, without scrolling', async ({ page }) => {
    await page.setViewportSize({ width: 1920, height: 1080 });
    await page.goto(served.url);
    const cards = page.getByTestId('gpu-card');
    await expect(cards).toHaveCount(8);
    await expect(cards.getByRole('heading')).toHaveText(Array(8).fill('NVIDIA H200'));
    for (let i = 0; i < 8; i++) {
      const box = (await cards.nth(i).boundingBox())!;
      expect(box.y + box.height, `GPU ${i} ends inside the screen`).toBeLessThanOrEqual(1080);
      expect(box.x + box.width, `GPU ${i} ends inside the screen`).toBeLessThanOrEqual(1920);
    }
    expect(await page.evaluate(() => window.scrollY)).toBe(0);
    // Live: every card shows more than one power reading as the fake alternates idle and load.
    const seen: Set<string>[] = Array.from({ length: 8 }, () => new Set());
    await expect
      .poll(
        async () => {
          (await cards.getByTestId('gpu-power').allTextContents()).forEach((t, i) => /\d W/.test(t) && seen[i]!.add(t));
          return seen.filter((s) => s.size >= 2).length;
        },
        { timeout: 20_000, intervals: [500] },
      )
      .toBe(8);
    await expect(cards.getByTestId('gpu-temp')).toHaveText(Array(8).fill(/^\d+ °C$/));
    await expect(cards.getByTestId('gpu-throttle')).toHaveText(Array(8).fill(/\S/));
    await expect(cards.locator('canvas[data-state=drawn]')).toHaveCount(8); // one canvas per card, three charts on it
    expect(await widestFiguresClipped(page)).toEqual([]);
    await page.waitForTimeout(3000); // a few seconds of line in the small charts for the screenshot
    await page.screenshot({ path: test.info().outputPath('home-8gpu-1920x1080.png') });
  });

  test('Home at 1280x800 stays readable: nothing clipped or sideways', async ({ page }) => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(served.url);
    const cards = page.getByTestId('gpu-card');
    await expect(cards.getByTestId('gpu-power')).toHaveText(Array(8).fill(/^\d+ W$/));
    await expect(cards.getByTestId('gpu-power-limit')).toHaveText(Array(8).fill(/^of \d+ W$/));
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth)).toBe(true);
    // Every figure sits inside its card, at a size people can read.
    const overflow = await page.evaluate(() =>
      [...document.querySelectorAll('[data-testid=gpu-card]')].flatMap((card) => {
        const edge = card.getBoundingClientRect();
        return [...card.querySelectorAll('.stat-value, .gpu-facts dd')].filter((v) => {
          const box = v.getBoundingClientRect();
          return box.right > edge.right + 0.5 || box.left < edge.left || parseFloat(getComputedStyle(v).fontSize) < 12;
        }).map((v) => v.textContent);
      }),
    );
    expect(overflow).toEqual([]);
    expect(await widestFiguresClipped(page)).toEqual([]);
    await page.screenshot({ path: test.info().outputPath('home-8gpu-1280x800.png') });
  });
});

/**
 * The figures' boxes never follow their text (LiveText lines): written with the widest reading each
 * can show, none may be cut off. Returns the ones that would be, in the same task as the writes, so
 * no tick puts the real readings back in between.
 */
async function widestFiguresClipped(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const widest: Record<string, string> = {
      'gpu-temp': '100 °C',
      'gpu-power': '1000 W',
      'gpu-util': '100 %',
      'gpu-vram': '1023.9 MiB',
    };
    const facts = ['1980 / 3201 MHz', '100 %', 'P12', 'Gen 5 x16'];
    const clipped: string[] = [];
    for (const card of document.querySelectorAll('[data-testid=gpu-card]')) {
      const boxes: [Element, string][] = [
        ...Object.entries(widest).map(([id, text]) => [card.querySelector(`[data-testid=${id}]`)!, text] as [Element, string]),
        ...[...card.querySelectorAll('.gpu-facts dd .live-box')].map((box, i) => [box, facts[i]!] as [Element, string]),
      ];
      for (const [box, text] of boxes) {
        const node = box.firstChild as Text;
        const was = node.data;
        node.data = text;
        if (box.scrollWidth > box.clientWidth + 0.5) clipped.push(`${text} (${box.clientWidth} px wide, needs ${box.scrollWidth})`);
        node.data = was;
      }
    }
    return clipped;
  });
}
