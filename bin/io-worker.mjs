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
const { main } = await import('../main/cli.ts');
await main();
