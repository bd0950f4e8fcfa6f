// The command line as a user runs it: a real process on the project's Node.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InventorySchema, TelemetryFrameSchema } from '../preload/contract/index.ts';
import { parseCommand, UsageError } from './cli.ts';

const BIN = path.resolve(import.meta.dirname, '..', 'bin', 'io-worker.mjs');
const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 30_000 });

describe('io-worker command line', () => {
  it('prints usage and exits 2 on an unknown command or flag', () => {
    for (const args of [['frobnicate'], ['serve', '--nope'], ['probe', 'extra'], ['serve', '--port']]) {
      const result = run(...args);
      expect(result.status, args.join(' ')).toBe(2);
      expect(result.stderr).toContain('Usage: io-worker <command>');
    }
  });

  it('refuses a port out of range with exit 2', () => {
    const result = run('serve', '--port', '70000');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--port must be 0..65535');
  });

  it('prints help with exit 0', () => {
    const result = run('help');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('serve');
  });

  it('probe --json prints the inventory and one live frame as valid JSON', () => {
    const result = run('probe', '--json');
    expect(result.status, result.stderr).toBe(0);
    const parsed = JSON.parse(result.stdout);
    expect(InventorySchema.parse(parsed.inventory).cpu.threads).toBeGreaterThan(0);
    const frame = TelemetryFrameSchema.parse(parsed.frame);
    expect(frame.cpu.utilizationPct).not.toBeNull();
  });

  it('parses flags strictly', () => {
    expect(parseCommand(['serve', '--host', '0.0.0.0', '--port', '0']).values).toMatchObject({ host: '0.0.0.0', port: '0' });
    expect(() => parseCommand(['probe', '--jsonn'])).toThrow(UsageError);
  });
});
