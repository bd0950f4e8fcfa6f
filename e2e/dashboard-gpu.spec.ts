// The dashboard against a real `io-worker serve` whose nvidia-smi replays real captures (H200 and
// RTX 4080 SUPER): the values a person sees must be the capture's own. Screenshots of every page,
// in both themes, are kept as test artifacts.
import { expect, test } from '@playwright/test';
import { loadCapture, queryGpuTable } from '../main/probes/testing/capture-file.mjs';
import { FAKE_NVIDIA_SMI, capturePath } from '../main/probes/testing/captures.ts';
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
      await expect(card.getByTestId('gpu-power')).toHaveText(`${draw} W / ${limit} W`);
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
