#!/usr/bin/env node
// `npm start` (after the build): runs the built app in Electron, or says clearly why it cannot.
// Never touches electron's own entry, which would try to download the binary on first use.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(`npm start needs Node 22.18 or newer (this is ${process.version}); run it through npm, which uses the project's Node 24.\n`);
  process.exit(1);
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { findElectronBinary } = await import('../main/shell/electron-binary.ts');
const binary = findElectronBinary(root);

if (!binary.found) {
  process.stderr.write(
    `IO Worker cannot open its desktop window: ${binary.reason}.\n` +
      'The Electron binary cannot be downloaded on this machine. To use the dashboard anyway, run it headless\n' +
      'and open the printed address in a browser:\n\n' +
      '  npm run io-worker -- serve\n\n' +
      'On a connected machine, `npx install-electron` (or reinstalling node_modules) fetches the binary;\n' +
      'ELECTRON_OVERRIDE_DIST_PATH may point at an Electron you already have.\n',
  );
  process.exit(1);
}

const child = spawn(binary.path, [root, ...process.argv.slice(2)], { stdio: 'inherit', env: process.env });
const forward = (signal) => () => child.kill(signal);
process.on('SIGINT', forward('SIGINT'));
process.on('SIGTERM', forward('SIGTERM'));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
child.on('error', (error) => {
  process.stderr.write(`Could not start Electron (${binary.path}): ${error.message}\n`);
  process.exit(1);
});
