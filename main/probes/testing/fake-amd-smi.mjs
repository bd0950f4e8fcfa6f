#!/usr/bin/env node
// A stand-in amd-smi for tests: `static --json` prints FAKE_AMD_SMI_STATIC, `metric --json` prints
// FAKE_AMD_SMI_METRIC (after a WARNING line, as amd-smi prints outside the render group), or fails
// the way the real one can. FAKE_AMD_SMI_MODE: ok | hang | exit.
import fs from 'node:fs';

const mode = process.env.FAKE_AMD_SMI_MODE || 'ok';
const [command] = process.argv.slice(2);
if (mode === 'hang') setInterval(() => {}, 1 << 30);
else if (mode === 'exit') {
  process.stderr.write('AMDSMI_STATUS_DRM_ERROR - Error when calling libdrm\n');
  process.exit(1);
} else if (!process.argv.includes('--json') || !['static', 'metric'].includes(command)) {
  process.stdout.write(`fake amd-smi answers "static --json" and "metric --json" only, not: ${process.argv.slice(2).join(' ')}\n`);
  process.exit(2);
} else {
  process.stdout.write('WARNING: User is missing the following required groups: render, video.\n');
  process.stdout.write(fs.readFileSync(command === 'static' ? process.env.FAKE_AMD_SMI_STATIC : process.env.FAKE_AMD_SMI_METRIC, 'utf8'));
}
