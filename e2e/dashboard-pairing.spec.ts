// Pairing, as an owner does it, against real processes: a standalone coordinator and two
// `io-worker serve` workers with separate data dirs. Add New Device shows a one-time code with its
// countdown and the commands for Ubuntu and Windows; the second worker runs `serve --pair CODE`;
// both machines then show on either dashboard's "Your devices", also after the second restarts.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { freePort, startCoordinator, type CoordinatorProcess } from './coordinator.ts';
import { ROOT, startServe, type Served } from './serve.ts';

const ADMIN = crypto.randomBytes(18).toString('base64url');
const PARAMS = { blockSeconds: 30, eligibility: { minUptimeSeconds: 0, requireWallet: false } };
const ENV = { IO_WORKER_NVIDIA_SMI: '/nonexistent' };

let tmp: string;
let coordinator: CoordinatorProcess;
let a: Served;
let b: Served | null = null;

const deviceIdOf = (served: Served) => /running headless \(device (dev-[0-9a-f]{16})\)/.exec(served.output())![1]!;

async function waitForOutput(served: Served, re: RegExp, ms: number): Promise<void> {
  const started = Date.now();
  while (!re.test(served.output())) {
    if (Date.now() - started > ms) throw new Error(`no ${re} in ${ms} ms:\n${served.output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function yourDevices(page: Page, served: Served, ids: string[]): Promise<void> {
  await page.goto(served.url);
  const table = page.getByTestId('account-devices');
  await expect(table.locator('tbody tr')).toHaveCount(ids.length, { timeout: 30_000 });
  for (const id of ids) await expect(table.locator(`tr[data-device="${id}"]`)).toHaveCount(1);
}

test.beforeAll(async () => {
  test.setTimeout(90_000);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'io-worker-e2e-pairing-'));
  fs.writeFileSync(path.join(tmp, 'params.json'), JSON.stringify(PARAMS));
  coordinator = await startCoordinator({ port: await freePort(), dataDir: path.join(tmp, 'coordinator'), paramsFile: path.join(tmp, 'params.json'), adminToken: ADMIN });
  a = await startServe(ENV, ['--network', coordinator.url], path.join(tmp, 'a'));
});

test.afterAll(async () => {
  await b?.stop();
  await a?.stop();
  await coordinator?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test('a code on Add New Device pairs a second `serve` into the account; both show on either dashboard, also after a restart', async ({ page }) => {
  test.setTimeout(180_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(a.url);
  await page.getByRole('navigation').getByRole('link', { name: 'Add New Device' }).click();
  const panel = page.getByTestId('add-machine');
  await panel.getByRole('button', { name: 'Add another machine' }).click();
  const shown = await panel.getByTestId('pair-code').textContent({ timeout: 15_000 });
  const code = /([0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4})/.exec(shown ?? '')![1]!;
  await expect(panel.getByTestId('pair-state')).toContainText(/Expires in (9|10) min/);
  // Typing someone else's code is set apart from this machine's own code, under its own heading.
  await expect(panel.getByRole('heading', { level: 3, name: 'Or join this machine to another account' })).toBeVisible();
  const commands = panel.getByTestId('pair-commands');
  await expect(commands).toHaveCount(2);
  await expect(commands.nth(0)).toContainText('Ubuntu');
  await expect(commands.nth(1)).toContainText('Windows (PowerShell)');
  for (let i = 0; i < 2; i++) await expect(commands.nth(i)).toContainText(`npm run io-worker -- serve --network ${coordinator.url} --pair ${code}`);
  // A loopback network: the same-machine command has its own data dir and port (a copy of the others would clash with this worker's).
  await expect(panel.getByTestId('pair-same-machine')).toHaveText(`npm run io-worker -- serve --network ${coordinator.url} --data-dir ./w2 --port 0 --pair ${code}`);
  await panel.scrollIntoViewIfNeeded();
  await page.screenshot({ path: test.info().outputPath('add-another-machine.png'), fullPage: true });

  // The other machine (here: a second data dir on this one) runs the command it was given.
  b = await startServe(ENV, ['--network', coordinator.url, '--pair', code], path.join(tmp, 'b'));
  await waitForOutput(b, /Paired: this machine now belongs to account acct-[0-9a-f]{16}/, 30_000);
  await expect(panel.getByTestId('pair-state')).toContainText('joined with this code', { timeout: 15_000 });
  // The used code offers nothing to copy any more: a third machine needs a new one.
  await expect(panel.getByTestId('pair-spent')).toContainText('This code is used up: each code joins one machine.');
  await expect(commands).toHaveCount(0);
  await page.screenshot({ path: test.info().outputPath('machine-joined.png'), fullPage: true });
  const idA = deviceIdOf(a);
  const idB = deviceIdOf(b);
  await yourDevices(page, a, [idA, idB]);
  await yourDevices(page, b, [idA, idB]);

  // Restarted without --pair, B is the same device and still in the account.
  await b.stop({ keepDataDir: true });
  b = await startServe(ENV, ['--network', coordinator.url], path.join(tmp, 'b'));
  expect(deviceIdOf(b)).toBe(idB);
  await yourDevices(page, b, [idA, idB]);
  await page.screenshot({ path: test.info().outputPath('b-after-restart.png'), fullPage: true });

  // The same code again, on a third data dir: refused in the user's words, and serve stops with status 1.
  const third = spawn(process.execPath, [path.join(ROOT, 'bin', 'io-worker.mjs'), 'serve', '--port', '0', '--data-dir', path.join(tmp, 'c'), '--network', coordinator.url, '--pair', code], {
    cwd: ROOT, env: { ...process.env, ...ENV }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let said = '';
  third.stdout!.on('data', (d) => (said += d));
  third.stderr!.on('data', (d) => (said += d));
  // Generous: on a loaded 2-core machine its start (inventory, the network) once took over 45 s.
  const began = Date.now();
  const exit = await Promise.race([new Promise((resolve) => third.once('exit', resolve)), new Promise((resolve) => setTimeout(() => resolve('timeout'), 90_000))]);
  if (exit === 'timeout') third.kill('SIGKILL');
  expect(exit, `after ${((Date.now() - began) / 1000).toFixed(0)} s it said:\n${said}`).toBe(1);
  expect(said).toContain(`io-worker: Pairing code ${code} was already used by another machine; make a new one on the owner's dashboard.`);
  expect(errors).toEqual([]);
});
