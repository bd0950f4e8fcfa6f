// Settings → Prometheus metrics, turned on in the page as a user would: a listener of its own opens
// on the address given and serves the capture's GPU under dcgm-exporter's names; turned off, it closes.
import { expect, test } from '@playwright/test';
import { FAKE_NVIDIA_SMI, capturePath } from '../main/probes/testing/captures.ts';
import { freePort } from './coordinator.ts';
import { startServe, type Served } from './serve.ts';

let served: Served;

test.beforeAll(async () => {
  served = await startServe({ IO_WORKER_NVIDIA_SMI: FAKE_NVIDIA_SMI, FAKE_NVIDIA_SMI_CAPTURE: capturePath('linux-x86_64__nvidia-h200__590.48.01'), FAKE_NVIDIA_SMI_STATE: 'idle' });
});
test.afterAll(async () => served?.stop());

test('the metrics switch opens and closes a listener that serves the GPU under dcgm-exporter names', async ({ page, request }) => {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/metrics`;
  await page.goto(served.url);
  await page.getByRole('link', { name: 'Settings' }).click();
  const card = page.getByTestId('metrics-settings');
  await expect(card).toContainText('also serves them beside this dashboard');
  await card.getByRole('switch').check();
  await card.getByLabel('Address (host:port)').fill(`127.0.0.1:${port}`);
  await expect(card).toContainText('no token is asked');
  await card.getByRole('button', { name: 'Save metrics settings' }).click();
  await expect(card.getByRole('status')).toContainText(`Prometheus can scrape ${url} now`);
  await expect(async () => {
    const body = await (await request.get(url)).text();
    expect(body).toMatch(/^DCGM_FI_DEV_GPU_TEMP\{[^}]*modelName="NVIDIA H200"[^}]*\} 28$/m);
  }).toPass({ timeout: 10_000 });
  await card.screenshot({ path: test.info().outputPath('settings-metrics.png') });

  // Off loopback the page says a token is needed; an address that is not host:port is refused in words.
  await card.getByLabel('Address (host:port)').fill('0.0.0.0:9400');
  await expect(card).toContainText('bearer token');
  await card.getByLabel('Address (host:port)').fill('not an address');
  await card.getByRole('button', { name: 'Save metrics settings' }).click();
  await expect(card.getByRole('status')).toHaveClass(/error/);
  await expect(card.getByRole('status')).toHaveText('Metrics address: write it as host:port, such as 127.0.0.1:9400.');
  await card.screenshot({ path: test.info().outputPath('settings-metrics-refused.png') });

  // Turned off: the listener closes.
  await card.getByLabel('Address (host:port)').fill(`127.0.0.1:${port}`);
  await card.getByRole('switch').uncheck();
  await card.getByRole('button', { name: 'Save metrics settings' }).click();
  await expect(card.getByRole('status')).toContainText('The listener is closed');
  await expect(async () => {
    await expect(request.get(url, { timeout: 2000 })).rejects.toThrow();
  }).toPass({ timeout: 10_000 });
});
