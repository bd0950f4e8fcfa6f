#!/usr/bin/env node
// A stand-in rocm-smi for tests: prints the JSON file FAKE_ROCM_SMI_JSON whatever flags it gets
// (after one non-JSON line, which the parser must skip), or fails the way
// the real one can. FAKE_ROCM_SMI_MODE: ok | hang | exit | garbage.
import fs from 'node:fs';

const mode = process.env.FAKE_ROCM_SMI_MODE || 'ok';
if (mode === 'hang') setInterval(() => {}, 1 << 30);
else if (mode === 'exit') {
  process.stderr.write('ERROR:root:Driver not initialized (amdgpu not found in modules)\n');
  process.exit(1);
} else if (mode === 'garbage') {
  process.stdout.write('{"card0": {"GPU use (%)": "1\n');
  process.exit(0);
} else {
  if (!process.argv.includes('--json')) {
    process.stdout.write('fake rocm-smi answers --json only\n');
    process.exit(2);
  }
  process.stdout.write('WARNING: 1 GPU(s) do not support --showenergycounter\n');
  process.stdout.write(fs.readFileSync(process.env.FAKE_ROCM_SMI_JSON, 'utf8'));
}
