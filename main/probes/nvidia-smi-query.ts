// Pure parsing of `nvidia-smi -q` (the full text report): what --query-gpu cannot give (the PCIe
// replay counter, each MIG instance's memory, the slowdown temperature) and the health counters
// (ECC, retired pages, remapped rows). No I/O; imports only the contract's types.
import type { MigInstance } from '../../preload/contract/index.ts';

interface Node {
  key: string;
  value: string | null;
  children: Node[];
}

/** The report as a tree: a line `key : value` is a leaf, a line `key` opens a section indented under it. */
function tree(lines: string[]): Node[] {
  const root: Node = { key: '', value: null, children: [] };
  const stack: { indent: number; node: Node }[] = [{ indent: -1, node: root }];
  for (const raw of lines) {
    if (raw.trim() === '') continue;
    const indent = raw.length - raw.trimStart().length;
    const colon = raw.indexOf(' : ');
    const bare = raw.trimEnd();
    const key = (colon >= 0 ? raw.slice(0, colon) : bare.endsWith(':') ? bare.slice(0, -1) : bare).trim();
    const value = colon >= 0 ? raw.slice(colon + 3).trim() : null;
    while (stack.length > 1 && stack[stack.length - 1].indent >= indent) stack.pop();
    const node: Node = { key, value, children: [] };
    stack[stack.length - 1].node.children.push(node);
    stack.push({ indent, node });
  }
  return root.children;
}

function child(node: Node | undefined, ...path: string[]): Node | undefined {
  let at = node;
  for (const key of path) at = at?.children.find((c) => c.key === key);
  return at;
}

/** A number from `16925 MiB`, `5`, `16x`, `36 C`; null for N/A and words. */
function number(node: Node | undefined): number | null {
  const m = /^(-?\d+(?:\.\d+)?)\s*(?:[A-Za-z%]+)?(?:\(s\))?$/.exec(node?.value ?? '');
  return m ? Number(m[1]) : null;
}

function yesNo(node: Node | undefined): boolean | null {
  const v = node?.value?.toLowerCase();
  return v === 'yes' ? true : v === 'no' ? false : null;
}

/** Sum of the numeric leaves named like `wanted` (SRAM and DRAM counts add up); null when none is a number. */
function sum(section: Node | undefined, wanted: RegExp): number | null {
  const values = (section?.children ?? []).filter((c) => wanted.test(c.key)).map(number).filter((n): n is number => n !== null);
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0);
}

export interface QueryDetails {
  /** `00000000:83:00.0`, how -q names each GPU. */
  busId: string;
  uuid: string | null;
  pcie: { generation: number | null; maxGeneration: number | null; width: number | null; maxWidth: number | null; replays: number | null };
  ecc: {
    mode: 'enabled' | 'disabled' | 'unsupported';
    volatile: { corrected: number | null; uncorrected: number | null };
    aggregate: { corrected: number | null; uncorrected: number | null };
  };
  retiredPages: { singleBit: number | null; doubleBit: number | null; pending: boolean | null };
  remappedRows: { correctable: number | null; uncorrectable: number | null; pending: boolean | null; failed: boolean | null } | null;
  /** The absolute slowdown temperature: given directly, or current + T.Limit margin − slowdown T.Limit (data-centre drivers). */
  slowdownTemperatureC: number | null;
  mig: MigInstance[];
}

function eccCounts(section: Node | undefined): { corrected: number | null; uncorrected: number | null } {
  // Older drivers: "Single Bit / Double Bit" sub-sections with a Total each.
  const single = number(child(section, 'Single Bit', 'Total'));
  const double = number(child(section, 'Double Bit', 'Total'));
  return {
    corrected: sum(section, /Correctable$/) ?? single,
    uncorrected: sum(section, /Uncorrectable/) ?? double,
  };
}

function migDevices(gpu: Node): MigInstance[] {
  return gpu.children
    .filter((c) => c.key === 'MIG Device')
    .map((d) => ({
      index: number(child(d, 'Index')) ?? 0,
      gpuInstanceId: number(child(d, 'GPU Instance ID')),
      computeInstanceId: number(child(d, 'Compute Instance ID')),
      profile: null,
      uuid: null,
      memoryUsedMiB: number(child(d, 'Shared FB Memory Usage', 'Used') ?? child(d, 'FB Memory Usage', 'Used')),
      memoryTotalMiB: number(child(d, 'Shared FB Memory Usage', 'Total') ?? child(d, 'FB Memory Usage', 'Total')),
      multiprocessors: number(child(d, 'Device Attributes', 'Shared', 'Multiprocessor count')),
    }));
}

function slowdownTemperature(gpu: Node): number | null {
  const t = child(gpu, 'Temperature');
  const direct = number(child(t, 'GPU Slowdown Temp'));
  if (direct !== null) return direct;
  const current = number(child(t, 'GPU Current Temp'));
  const margin = number(child(t, 'GPU T.Limit Temp'));
  const slowdownMargin = number(child(t, 'GPU Slowdown T.Limit Temp'));
  if (current === null || margin === null || slowdownMargin === null) return null;
  return current + margin - slowdownMargin;
}

/** `nvidia-smi -q` text into one record per GPU. */
export function parseQuery(text: string): QueryDetails[] {
  const nodes = tree(text.replace(/\r\n/g, '\n').split('\n'));
  const out: QueryDetails[] = [];
  for (const gpu of nodes) {
    const bus = /^GPU ([0-9A-Fa-f]{4,8}:[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}\.[0-9A-Fa-f])$/.exec(gpu.key);
    if (!bus) continue;
    const link = child(gpu, 'PCI', 'GPU Link Info');
    const eccMode = child(gpu, 'ECC Mode', 'Current')?.value;
    const errors = child(gpu, 'ECC Errors');
    const retired = child(gpu, 'Retired Pages');
    const remapped = child(gpu, 'Remapped Rows');
    out.push({
      busId: bus[1],
      uuid: child(gpu, 'GPU UUID')?.value ?? null,
      pcie: {
        generation: number(child(link, 'PCIe Generation', 'Device Current') ?? child(link, 'PCIe Generation', 'Current')),
        maxGeneration: number(child(link, 'PCIe Generation', 'Device Max') ?? child(link, 'PCIe Generation', 'Max')),
        width: number(child(link, 'Link Width', 'Current')),
        maxWidth: number(child(link, 'Link Width', 'Max')),
        replays: number(child(gpu, 'PCI', 'Replays Since Reset')),
      },
      ecc: {
        mode: eccMode === 'Enabled' ? 'enabled' : eccMode === 'Disabled' ? 'disabled' : 'unsupported',
        volatile: eccCounts(child(errors, 'Volatile')),
        aggregate: eccCounts(child(errors, 'Aggregate')),
      },
      retiredPages: {
        singleBit: number(child(retired, 'Single Bit ECC')),
        doubleBit: number(child(retired, 'Double Bit ECC')),
        pending: yesNo(child(retired, 'Pending Page Blacklist') ?? child(retired, 'Pending Page Retirement')),
      },
      remappedRows:
        remapped && remapped.children.length > 0
          ? {
              correctable: number(child(remapped, 'Correctable Error')),
              uncorrectable: number(child(remapped, 'Uncorrectable Error')),
              pending: yesNo(child(remapped, 'Pending')),
              failed: yesNo(child(remapped, 'Remapping Failure Occurred')),
            }
          : null,
      slowdownTemperatureC: slowdownTemperature(gpu),
      mig: migDevices(gpu),
    });
  }
  return out;
}

/** `nvidia-smi -L` MIG lines: profile and UUID by GPU index and MIG device index. */
export function parseMigList(text: string): Map<number, { index: number; profile: string; uuid: string | null }[]> {
  const byGpu = new Map<number, { index: number; profile: string; uuid: string | null }[]>();
  let gpu = -1;
  for (const line of text.split(/\r?\n/)) {
    const head = /^GPU (\d+):/.exec(line);
    if (head) {
      gpu = Number(head[1]);
      byGpu.set(gpu, []);
      continue;
    }
    const mig = /^\s+MIG\s+(\S+)\s+Device\s+(\d+):\s*(?:\(UUID:\s*([^)]+)\))?/.exec(line);
    if (mig && gpu >= 0) byGpu.get(gpu)!.push({ index: Number(mig[2]), profile: mig[1], uuid: mig[3]?.trim() ?? null });
  }
  return byGpu;
}

/** A PCI address both nvidia-smi (`00000000:83:00.0`) and the kernel (`0000:83:00`) agree on: `0000:83:00`. */
export function busKey(busId: string): string {
  const m = /(?:([0-9A-Fa-f]{4,8}):)?([0-9A-Fa-f]{2}):([0-9A-Fa-f]{2})(?:\.[0-9A-Fa-f])?$/.exec(busId.trim());
  return m ? `${(m[1] ?? '0000').slice(-4)}:${m[2]}:${m[3]}`.toLowerCase() : busId.trim().toLowerCase();
}
