// Life as it happens to a worker nobody is watching, against real processes: the GPU heats past a
// limit the owner set and cools again, and the worker is restarted on its data dir. Every page must
// say what is true at each moment: paused by which limit (never "by you"), resumed by itself, the
// same device after the restart, and one uptime that equals the network's own count.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { FAKE_NVIDIA_SMI, capturePath } from '../main/probes/testing/captures.ts';
import { freePort, startCoordinator, type CoordinatorProcess } from './coordinator.ts';
import { seconds, rpc, startServe, type Served } from './serve.ts';

const ADMIN = crypto.randomBytes(18).toString('base64url');
const PARAMS = {
  blockSeconds: 4,
  eligibility: { minUptimeSeconds: 600, requireWallet: false },
  pow: { size: 16, deadlineSeconds: 3 },
  potl: { challengesPerBlock: 2, deadlineSeconds: 2, passShare: 0.5 },
};
// The H200 capture: 28 °C idle, 52 °C under load; the owner's limit sits between them.
const LIMIT_C = 45;

let tmp: string;
let coordinator: CoordinatorProcess;
let served: Served;
let control: string;

const workerEnv = () => ({
  IO_WORKER_NVIDIA_SMI: FAKE_NVIDIA_SMI,
  FAKE_NVIDIA_SMI_CAPTURE: capturePath('linux-x86_64__nvidia-h200__590.48.01'),
  FAKE_NVIDIA_SMI_CONTROL: control,
});
const setGpu = (state: 'idle' | 'load') => fs.writeFileSync(control, JSON.stringify({ state }));

async function networkDevices(request: APIRequestContext): Promise<{ id: string; upForSeconds: number }[]> {
  const res = await request.get(`${coordinator.url}/v1/devices`);
  return ((await res.json()) as { devices: { id: string; upForSeconds: number }[] }).devices;
}

async function openHome(page: Page): Promise<void> {
  await page.goto(served.url);
  await expect(page.getByRole('heading', { level: 1, name: 'Home' })).toBeVisible();
}

test.beforeAll(async () => {
  test.setTimeout(90_000);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'io-worker-e2e-life-'));
  fs.writeFileSync(path.join(tmp, 'params.json'), JSON.stringify(PARAMS));
  control = path.join(tmp, 'gpu-control.json');
  setGpu('idle');
  coordinator = await startCoordinator({ port: await freePort(), dataDir: path.join(tmp, 'net'), paramsFile: path.join(tmp, 'params.json'), adminToken: ADMIN });
  served = await startServe(workerEnv(), ['--network', coordinator.url], path.join(tmp, 'worker'));
});

test.afterAll(async () => {
  await served?.stop();
  await coordinator?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test('a limit crossed pauses the worker by that limit and it resumes by itself; a restart keeps the device and the one uptime', async ({ page, request }) => {
  test.setTimeout(180_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await openHome(page);
  await expect(page.getByTestId('countdown-left')).toBeVisible({ timeout: 30_000 });
  const running = page.getByTestId('eligibility').locator('li', { hasText: 'Worker running' });
  await expect(running).toHaveAttribute('data-state', 'ok', { timeout: 20_000 });

  // The GPU heats past the owner's limit: paused by that limit, in its words, never "by you".
  const limitSetAt = Date.now();
  await rpc(request, served, 'settings.update', { limits: { gpuTemperatureC: LIMIT_C } });
  setGpu('load');
  const pausedBy = page.getByTestId('paused-by');
  await expect(pausedBy).toContainText('Paused by a limit you set', { timeout: 30_000 });
  await expect(pausedBy).toContainText(`${LIMIT_C}`);
  await expect(pausedBy).toContainText('Resumes by itself when that clears');
  await expect(pausedBy).not.toContainText('by you:');
  await expect(running).toHaveAttribute('data-state', 'failing', { timeout: 15_000 });
  await expect(running).not.toContainText('Paused by you');
  // No "Resume earning" button: the owner did not pause it, and cannot un-cross a limit by clicking.
  await expect(page.getByRole('button', { name: 'Resume earning' })).toHaveCount(0);
  const network = await rpc<{ pausedBy: { source: string }[] }>(request, served, 'worker.eligibility');
  expect(network.pausedBy.map((p) => p.source)).toEqual(['limits']);
  const status = await rpc<{ deviceId: string }>(request, served, 'system.status');
  // The card says it is paused, not "not yet" (which would come by itself), and "Your devices" shows this machine Paused, not the network's "idle".
  await expect(page.locator('#elig-title')).toHaveText('Paused: not earning block rewards');
  await expect(page.getByTestId('account-devices').locator(`tr[data-device="${status.deviceId}"]`).getByTestId('device-status')).toHaveText('Paused');
  await page.screenshot({ path: test.info().outputPath('home-paused-by-limit.png'), fullPage: true });
  // A block the pause fell in: its page names who paused it in words, never the code "(limits)".
  // The block the pause began in (a paused device is in no later block): the network's verdict names the
  // pause. Not just any block closed after the limit was set: on a loaded machine one may close before the pause.
  type Rows = { rows: { status: string; device: string; blockStart: number; recordedAt: number; detail: string | null }[] };
  const failedInPause = async () =>
    (await rpc<Rows>(request, served, 'rewards.page', { pageSize: 5 })).rows.find((r) => r.status === 'failed' && r.recordedAt > limitSetAt && r.detail?.includes('Paused by a limit you set'));
  await expect.poll(async () => (await failedInPause()) !== undefined, { timeout: 20_000 }).toBe(true);
  const failed = (await failedInPause())!;
  await page.evaluate((h) => { window.location.hash = h; }, `#/block?device=${failed.device}&start=${failed.blockStart}`);
  await expect(page.getByTestId('block-events')).toContainText('Paused by a limit you set from', { timeout: 10_000 });
  await expect(page.getByTestId('block-events')).not.toContainText('(limits)');
  await openHome(page);

  // It cools: the pause lifts by itself, and the limit's notice is in the history.
  setGpu('idle');
  await expect(pausedBy).toHaveCount(0, { timeout: 30_000 });
  await expect(running).toHaveAttribute('data-state', 'ok', { timeout: 20_000 });
  await page.getByRole('link', { name: 'Device details' }).click();
  await page.getByRole('tab', { name: 'Notifications history' }).click();
  await expect(page.getByRole('tabpanel')).toContainText(`above your limit of ${LIMIT_C} °C`, { timeout: 10_000 });
  await expect(page.getByRole('tabpanel')).toContainText(`under your ${LIMIT_C} °C limit; the worker goes on`);

  // The worker is restarted on its data dir: the same device, one row on the network, one uptime.
  const deviceId = status.deviceId;
  const before = (await networkDevices(request)).length;
  await served.stop({ keepDataDir: true });
  served = await startServe(workerEnv(), ['--network', coordinator.url], path.join(tmp, 'worker'));
  const again = await rpc<{ deviceId: string }>(request, served, 'system.status');
  expect(again.deviceId).toBe(deviceId);
  await openHome(page);
  await expect(page.getByTestId('up-for')).toBeVisible({ timeout: 30_000 });
  expect((await networkDevices(request)).length).toBe(before);
  await expect(page.getByTestId('account-devices').getByRole('row')).toHaveCount(2);
  await expect(running).toHaveAttribute('data-state', 'ok', { timeout: 20_000 });
  const networkUp = (await networkDevices(request)).find((d) => d.id === deviceId)!.upForSeconds;
  expect(Math.abs(seconds(await page.getByTestId('up-for').textContent()) - networkUp)).toBeLessThanOrEqual(1);
  await page.screenshot({ path: test.info().outputPath('home-after-restart.png'), fullPage: true });
  expect(errors).toEqual([]);
});
