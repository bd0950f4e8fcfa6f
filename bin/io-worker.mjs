#!/usr/bin/env node
// The `io-worker` command. Runs the TypeScript sources directly: Node strips the types itself
// (Node >= 22.18; `npm run io-worker` uses the project's own Node 24).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    `io-worker needs Node 22.18 or newer (this is ${process.version}).\n` +
      'Run it as `npm run io-worker -- <command>`, which uses the Node 24 installed with the project.\n',
  );
  process.exit(1);
}
// Caches the stripped TypeScript and V8's code: later starts skip the type stripper (a WebAssembly
// module whose memory stays with the process), about 20 MB less resident (bench/worker.bench.ts).
(await import('node:module')).enableCompileCache?.();
// V8's young generation doubles during the start's burst of allocation and gives the room back only
// after about two idle minutes: kept at its first size, the worker stays near 100 MiB resident from
// the start instead of 117-127 MiB for its first two minutes (bench/worker.bench.ts). V8 reads this
// flag each time it would grow, so setting it now still counts.
(await import('node:v8')).setFlagsFromString('--semi-space-growth-factor=1');
const { main } = await import('../main/cli.ts');
await main();
