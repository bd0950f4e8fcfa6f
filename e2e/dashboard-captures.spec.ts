// Every real capture in ../shared/fixtures/nvidia-smi, served by the fake nvidia-smi to a real
// `io-worker serve`: Device details shows that card's own fields (name, power limit, PCIe link, fan,
// power state, health read from `nvidia-smi -q`), and the MIG captures each instance's memory.
import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { loadCapture, queryGpuTable } from '../main/probes/testing/capture-file.mjs';
import { FAKE_NVIDIA_SMI, captureFiles } from '../main/probes/testing/captures.ts';
import { startServe } from './serve.ts';

/** The capture's idle row as field -> raw cell. */
function idleRow(file: string): Record<string, string> {
  const table = queryGpuTable(loadCapture(file), 'idle');
  return Object.fromEntries(table.fields.map((f: string, i: number) => [f, table.rows[0]![i]!.trim()]));
}

/** `nvidia-smi -L`'s MIG lines: their profiles, in order. */
function migProfiles(file: string): string[] {
  return [...fs.readFileSync(file, 'utf8').matchAll(/^\s+MIG (\S+)\s+Device\s+\d+:/gm)].map((m) => m[1]!);
}

for (const file of captureFiles()) {
  const name = path.basename(file, '.txt');
  test(`Device details shows the ${name} capture's own fields`, async ({ page }) => {
    const row = idleRow(file);
    const served = await startServe({ IO_WORKER_NVIDIA_SMI: FAKE_NVIDIA_SMI, FAKE_NVIDIA_SMI_CAPTURE: file, FAKE_NVIDIA_SMI_STATE: 'idle' });
    try {
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(served.url);
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Device details' }).click();
      await expect(page.getByTestId('gpu-spec')).toContainText(row.name!);
      const limit = Number.parseFloat(row['enforced.power.limit'] ?? row['power.limit'] ?? '');
      if (Number.isFinite(limit)) await expect(page.getByTestId('gpu-spec')).toContainText(`${Math.round(limit)} W limit`);
      const health = page.getByTestId('gpu-health-gpu').first();
      await expect(health).toContainText(`GPU 0: ${row.name}`);
      await expect(health.getByTestId('gpu-health-pcie')).toContainText(`Gen ${row['pcie.link.gen.current']} x${row['pcie.link.width.current']}`);
      const fan = Number.parseFloat(row['fan.speed'] ?? '');
      await expect(health).toContainText(Number.isFinite(fan) ? `${fan} %` : 'no fan reading');
      await expect(health).toContainText(row.pstate!);
      // The full report (-q) is read: the health badge and the ECC line say what it holds.
      await expect(health.getByTestId('gpu-health-state')).not.toHaveText('Not read yet', { timeout: 20_000 });
      await expect(health.getByTestId('gpu-health-ecc')).toHaveText(/since boot|ECC is off|no ECC/);
      const profiles = migProfiles(file);
      if (profiles.length) {
        const mig = health.getByTestId('gpu-health-mig');
        for (const profile of profiles) await expect(mig).toContainText(`${profile}:`);
        await expect(mig).toContainText('temperature and power are the whole card’s');
      }
      if (name.includes('mig') || name.includes('h200__')) {
        await health.screenshot({ path: test.info().outputPath(`gpu-health-${name}.png`) });
      }
      expect(errors).toEqual([]);
    } finally {
      await served.stop();
    }
  });
}
