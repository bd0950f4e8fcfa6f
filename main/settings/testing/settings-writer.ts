// Saves settings as fast as it can until it is killed: the kill lands mid-write (temp file written,
// not yet renamed) often enough for a test to catch one. Usage: node settings-writer.ts <dataDir>
import { confBackend } from '../conf-backend.ts';
import { SettingsStore } from '../store.ts';

const store = new SettingsStore(confBackend(process.argv[2]));
store.update({ deviceName: 'rig-first' });
process.stdout.write('writing\n');
for (let i = 0; ; i++) store.update({ deviceName: `rig-${i % 1000}` });
