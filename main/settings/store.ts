// Settings as the core sees them: validated reads and patches over a small key-value backend,
// which is electron-store in the app and conf when headless (both atomic JSON files).
import { SettingsPatchSchema, SettingsSchema, type Settings, type SettingsPatch } from '../../preload/contract/index.ts';
import { SETTINGS_VERSION, migrateSettings } from './schema.ts';
import { Emitter } from '../lib/emitter.ts';

export interface SettingsBackend {
  /** The whole stored object, or undefined when nothing was stored yet. */
  read(): unknown;
  write(value: Record<string, unknown>): void;
  readonly path: string;
}

export class SettingsStore {
  #settings: Settings;
  readonly #backend: SettingsBackend;
  readonly #changes = new Emitter<Settings>();
  readonly repaired: string[];

  constructor(backend: SettingsBackend) {
    this.#backend = backend;
    const outcome = migrateSettings(backend.read());
    this.#settings = outcome.settings;
    this.repaired = outcome.repaired;
    // Write back at once so the file on disk carries the current version.
    backend.write({ ...this.#settings, schemaVersion: SETTINGS_VERSION });
  }

  get(): Settings {
    return structuredClone(this.#settings);
  }

  update(patch: SettingsPatch): Settings {
    const valid = SettingsPatchSchema.parse(patch);
    const next = SettingsSchema.parse({
      ...this.#settings,
      ...valid,
      limits: { ...this.#settings.limits, ...valid.limits },
      energy: { ...this.#settings.energy, ...valid.energy },
      desktop: { ...this.#settings.desktop, ...valid.desktop },
    });
    this.#backend.write({ ...next, schemaVersion: SETTINGS_VERSION });
    this.#settings = next;
    this.#changes.emit(this.get());
    return this.get();
  }

  /** The payout address, kept apart from `update` so only a validated address lands here. */
  setWallet(address: string, at = Date.now()): Settings {
    const { wallet } = this.#settings;
    const history = wallet.address && wallet.setAt ? [{ address: wallet.address, setAt: wallet.setAt }, ...wallet.history] : wallet.history;
    const next = SettingsSchema.parse({ ...this.#settings, wallet: { address, setAt: at, history: history.slice(0, 50) } });
    this.#backend.write({ ...next, schemaVersion: SETTINGS_VERSION });
    this.#settings = next;
    this.#changes.emit(this.get());
    return this.get();
  }

  onChange(listener: (settings: Settings) => void): () => void {
    return this.#changes.on(listener);
  }
}

/** In-memory backend for tests and for `io-worker probe`, which must not touch the user's files. */
export function memoryBackend(initial?: Record<string, unknown>): SettingsBackend & { value: unknown } {
  return {
    value: initial,
    path: ':memory:',
    read() {
      return this.value;
    },
    write(value) {
      this.value = structuredClone(value);
    },
  };
}
