// `node main/worker/ray/prepare.ts [version]`: sets up what a Ray hire needs ahead of the first hire
// (the io-worker-ray user and the managed Ray in IO_WORKER_RAY_HOME or /var/lib/io-worker-ray).
// CI runs it once so the Ray integration test finds Ray installed; the worker reuses the same venv.
import { ensureRayUser } from './isolation.ts';
import { defaultRayHome } from './service.ts';
import { DEFAULT_RAY_VERSION, ensureRay } from './venv.ts';

const version = process.argv[2] ?? DEFAULT_RAY_VERSION;
const user = await ensureRayUser();
if (!user.ok) {
  console.error(`io-worker: ${user.reason}`);
  process.exit(1);
}
const started = Date.now();
try {
  const install = await ensureRay(version, { home: defaultRayHome(), runAs: { uid: user.uid, gid: user.gid }, onProgress: (line) => console.log(line) });
  console.log(`Ray ${install.version} ready at ${install.ray} (${((Date.now() - started) / 1000).toFixed(1)} s); Ray nodes run as ${user.user}.`);
} catch (error) {
  console.error(`io-worker: ${(error as Error).message}`);
  process.exit(1);
}
