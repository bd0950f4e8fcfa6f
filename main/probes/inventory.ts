// Hardware inventory: systeminformation for what it knows well (CPU, memory, OS, disks, network);
// GPU vendors' own tools, when present, replace its generic GPU view.
import os from 'node:os';
import si from 'systeminformation';
import type { GpuInventory, Inventory } from '../../preload/contract/index.ts';

export interface GpuInventorySource {
  /** GPUs as the vendor tool reports them, or null when the tool is absent (then systeminformation's view is used). */
  inventory(): Promise<{ gpus: GpuInventory[]; warnings: string[] } | null>;
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
const orNull = (n: unknown) => (typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : null);

export async function systeminformationGpus(): Promise<GpuInventory[]> {
  const graphics = await si.graphics().catch(() => ({ controllers: [] as si.Systeminformation.GraphicsControllerData[] }));
  return graphics.controllers.map((c, index) => ({
    index,
    vendor: c.vendor || 'Unknown vendor',
    model: c.model || c.name || 'Unknown GPU',
    vramMiB: orNull(c.vram),
    driver: c.driverVersion || null,
    uuid: null,
    pciBusId: c.pciBus || c.busAddress || null,
    source: 'systeminformation' as const,
    powerLimitW: null,
    maxClocksMHz: null,
    computeCapability: null,
    mig: null,
  }));
}

export async function collectInventory(vendorSources: GpuInventorySource[] = []): Promise<Inventory> {
  const [cpu, osInfo, fsSize, nets] = await Promise.all([
    si.cpu(),
    si.osInfo(),
    si.fsSize().catch(() => []),
    si.networkInterfaces().catch(() => []),
  ]);
  const warnings: string[] = [];
  const vendorGpus: GpuInventory[] = [];
  for (const source of vendorSources) {
    const found = await source.inventory().catch((error: Error) => {
      warnings.push(error.message);
      return null;
    });
    if (found) {
      vendorGpus.push(...found.gpus);
      warnings.push(...found.warnings);
    }
  }
  // systeminformation's GPU list is the fallback only: it is slow (it shells out) and knows less.
  const gpus = vendorGpus.length > 0 ? vendorGpus : await systeminformationGpus();
  const netList = Array.isArray(nets) ? nets : [nets];
  return {
    hostname: osInfo.hostname || os.hostname(),
    os: { platform: osInfo.platform, distro: osInfo.distro, release: osInfo.release, arch: osInfo.arch },
    cpu: {
      manufacturer: cpu.manufacturer,
      brand: [cpu.manufacturer, cpu.brand].filter(Boolean).join(' ').trim() || os.cpus()[0]?.model || 'Unknown CPU',
      physicalCores: cpu.physicalCores,
      threads: cpu.cores,
      speedGHz: orNull(cpu.speed) === null ? null : round(cpu.speed),
    },
    memory: { totalBytes: os.totalmem() },
    disks: fsSize.map((d) => ({ mount: d.mount, fsType: d.type, sizeBytes: d.size, usedBytes: d.used })),
    network: netList
      .filter((n) => !n.internal)
      .map((n) => ({ iface: n.iface, ip4: n.ip4, mac: n.mac, speedMbps: orNull(n.speed) })),
    gpus: gpus.map((g, index) => ({ ...g, index })),
    warnings,
    collectedAt: Date.now(),
  };
}
