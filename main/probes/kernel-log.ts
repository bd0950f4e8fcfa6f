// NVIDIA Xid errors from the kernel log (`NVRM: Xid (PCI:0000:83:00): 79, pid=…, name=…, <words>`),
// read behind one seam (KernelLogSource) from /dev/kmsg, `dmesg` or `journalctl -k`, whichever this
// user may read; where none is readable the reason is said instead of a silent "no errors".
import fs from 'node:fs';
import os from 'node:os';
import type { XidEvent } from '../../preload/contract/index.ts';
import { runTool } from './process-group.ts';

const XID = /NVRM: Xid \(PCI:([0-9A-Fa-f]{4,8}:[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2})(?:\.[0-9A-Fa-f])?\): (\d+),\s*(.*)$/;

/** One kernel-log line into an Xid event, or null when it is none; `at` is the line's time when known. */
export function parseXidLine(line: string, at: number | null = null): XidEvent | null {
  const m = XID.exec(line);
  if (!m) return null;
  let rest = m[3].trim();
  let pid: number | null = null;
  let processName: string | null = null;
  // Newer drivers name the process: `pid=1234, name=python3,` (quoted or `<unknown>` on some versions).
  const pidMatch = /^pid=(?:'|")?(<unknown>|\d+)(?:'|")?,\s*/.exec(rest);
  if (pidMatch) {
    pid = pidMatch[1] === '<unknown>' ? null : Number(pidMatch[1]);
    rest = rest.slice(pidMatch[0].length);
    const nameMatch = /^name=(?:'([^']*)'|"([^"]*)"|([^,]*)),\s*/.exec(rest);
    if (nameMatch) {
      const name = (nameMatch[1] ?? nameMatch[2] ?? nameMatch[3]).trim();
      processName = name === '<unknown>' || name === '' ? null : name;
      rest = rest.slice(nameMatch[0].length);
    }
  }
  const domain = m[1].split(':')[0];
  return {
    xid: Number(m[2]),
    at,
    pciBusId: `${domain.slice(-4)}:${m[1].split(':').slice(1).join(':')}`.toLowerCase(),
    pid: pid !== null && Number.isFinite(pid) ? pid : null,
    processName,
    message: rest.replace(/^'|'$/g, '').slice(0, 300),
  };
}

export interface KernelLogRead {
  /** Lines with their time (ms since the epoch) where the source gives one. */
  lines: { at: number | null; text: string }[];
}

/** A place the kernel log can be read from. `read` rejects with the reason in the user's words. */
export interface KernelLogSource {
  readonly name: string;
  read(): Promise<KernelLogRead>;
}

/** `6,1234,5678901,-;NVRM: …` records of /dev/kmsg; the third field is µs since boot. */
export function parseKmsgRecords(text: string, bootTimeMs: number): KernelLogRead {
  const lines: KernelLogRead['lines'] = [];
  for (const record of text.split('\n')) {
    const semi = record.indexOf(';');
    if (semi < 0 || record.startsWith(' ')) continue; // continuation lines (" KEY=value") carry no message
    const fields = record.slice(0, semi).split(',');
    const usec = Number(fields[2]);
    lines.push({ at: Number.isFinite(usec) ? Math.round(bootTimeMs + usec / 1000) : null, text: record.slice(semi + 1) });
  }
  return { lines };
}

/** /dev/kmsg read without blocking (each read() returns one record; EAGAIN means the end). */
export class KmsgSource implements KernelLogSource {
  readonly name = '/dev/kmsg';
  readonly #path: string;
  // Taken once: now minus uptime moves by some milliseconds from read to read, and the same record
  // with another time would be counted as another Xid (the events are kept by time and text).
  #bootTimeMs: number | null = null;
  constructor(path = '/dev/kmsg') {
    this.#path = path;
  }
  async read(): Promise<KernelLogRead> {
    let fd: number;
    try {
      fd = fs.openSync(this.#path, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    } catch (error) {
      throw new Error(`${this.#path} is not readable (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { cause: error });
    }
    const chunks: string[] = [];
    const buffer = Buffer.alloc(16 * 1024);
    try {
      for (let i = 0; i < 100_000; i++) {
        let n: number;
        try {
          n = fs.readSync(fd, buffer, 0, buffer.length, null);
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code === 'EAGAIN') break;
          if (code === 'EPIPE') continue; // records were overwritten while reading: go on with the next
          throw new Error(`${this.#path} could not be read (${code ?? 'error'})`, { cause: error });
        }
        if (n === 0) break; // a plain file (tests) ends here
        chunks.push(buffer.toString('utf8', 0, n));
      }
    } finally {
      fs.closeSync(fd);
    }
    this.#bootTimeMs ??= Math.round(Date.now() - os.uptime() * 1000);
    return parseKmsgRecords(chunks.join('\n'), this.#bootTimeMs);
  }
}

/** Any tool that prints ISO-timestamped kernel lines: `dmesg --time-format iso`, `journalctl -k -o short-iso`. */
export class CommandSource implements KernelLogSource {
  readonly name: string;
  readonly #executable: string;
  readonly #args: string[];
  readonly #env: NodeJS.ProcessEnv | undefined;
  constructor(name: string, executable: string, args: string[], env?: NodeJS.ProcessEnv) {
    this.name = name;
    this.#executable = executable;
    this.#args = args;
    this.#env = env;
  }
  async read(): Promise<KernelLogRead> {
    const out = await runTool({ executable: this.#executable, args: this.#args, timeoutMs: 5000, env: this.#env, name: this.name });
    if (/insufficient permissions|Operation not permitted|No journal files were opened/i.test(out) && !out.includes('NVRM')) {
      throw new Error(`${this.name} refused: this user may not read the kernel log`);
    }
    const lines = out.split(/\r?\n/).filter(Boolean).map((text) => {
      const iso = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:[+-]\d{2}:?\d{2}|Z)?)\s/.exec(text);
      const at = iso ? Date.parse(iso[1].replace(',', '.').replace(/([+-]\d{2})(\d{2})$/, '$1:$2')) : NaN;
      return { at: Number.isFinite(at) ? at : null, text };
    });
    return { lines };
  }
}

/** The sources tried in order on Linux; elsewhere there is no kernel log to read. */
export function defaultKernelLogSources(platform = process.platform): KernelLogSource[] {
  if (platform !== 'linux') return [];
  return [
    new KmsgSource(),
    new CommandSource('dmesg', 'dmesg', ['--time-format', 'iso', '--nopager']),
    new CommandSource('journalctl', 'journalctl', ['-k', '-b', '-o', 'short-iso', '--no-pager', '-q', '-n', '5000']),
  ];
}

const KEEP = 20;

/** Reads the first source that works and keeps each GPU's last Xid events, without repeating one twice. */
export class XidWatch {
  readonly #sources: KernelLogSource[];
  readonly #seen = new Set<string>();
  readonly #byBus = new Map<string, XidEvent[]>();
  #unavailable: string | null = null;
  #reading: Promise<void> | null = null;

  constructor(sources: KernelLogSource[] = defaultKernelLogSources()) {
    this.#sources = sources;
    if (sources.length === 0) this.#unavailable = 'Xid errors are read from the Linux kernel log; this system has none to read';
  }

  /** Why the kernel log could not be read, or null. */
  get unavailable(): string | null {
    return this.#unavailable;
  }

  /** Events of one GPU by its kernel PCI address (`0000:83:00`), oldest first. */
  events(pciBusId: string): XidEvent[] {
    return this.#byBus.get(pciBusId.toLowerCase()) ?? [];
  }

  /** One read (a read already under way is joined, never doubled). */
  poll(): Promise<void> {
    this.#reading ??= this.#read().finally(() => {
      this.#reading = null;
    });
    return this.#reading;
  }

  async #read(): Promise<void> {
    if (this.#sources.length === 0) return;
    const reasons: string[] = [];
    for (const source of this.#sources) {
      let read: KernelLogRead;
      try {
        read = await source.read();
      } catch (error) {
        reasons.push((error as Error).message);
        continue;
      }
      this.#unavailable = null;
      for (const line of read.lines) {
        const event = parseXidLine(line.text, line.at);
        if (!event) continue;
        const key = `${line.at ?? ''}|${line.text.slice(line.text.indexOf('NVRM'))}`;
        if (this.#seen.has(key)) continue;
        this.#seen.add(key);
        const list = this.#byBus.get(event.pciBusId) ?? [];
        list.push(event);
        if (list.length > KEEP) list.splice(0, list.length - KEEP);
        this.#byBus.set(event.pciBusId, list);
      }
      if (this.#seen.size > 10_000) this.#seen.clear();
      return;
    }
    this.#unavailable = `the kernel log is not readable by this user (${reasons.join('; ')}); run as root or add the user to the systemd-journal or adm group`;
  }
}
