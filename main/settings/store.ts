// Settings as the core sees them: validated reads and patches over a small key-value backend,
// which is electron-store in the app and conf when headless (both atomic JSON files). A disk that
// refuses the file never stops the worker: settings stay in memory, the refusal is said once, and
// the next change tries again.
import fs from 'node:fs';
import path from 'node:path';
import { SettingsPatchSchema, SettingsSchema, type Notice, type Settings, type SettingsPatch } from '../../preload/contract/index.ts';
import { SETTINGS_VERSION, migrateSettings } from './schema.ts';
import { describeSaveError, keepOldFile, removeLeftoverTempFiles } from './settings-file.ts';
import { Emitter } from '../lib/emitter.ts';

export interface SettingsBackend {
  /** The whole stored object, or undefined when nothing was stored yet; throws when the file cannot be read. */
  read(): unknown;
  write(value: Record<string, unknown>): void;
  readonly path: string;
}

export interface SettingsStoreOptions {
  now?: () => number;
}

export class SettingsStore {
  #settings: Settings;
  #frozen: Settings | null = null;
  readonly #backend: SettingsBackend;
  readonly #now: () => number;
  readonly #changes = new Emitter<Settings>();
  readonly #notices = new Emitter<Notice>();
  #problem: string | null = null;
  #seq = 0;
  /** Fields that were invalid on disk and were reset to their defaults. */
  readonly repaired: string[];
  /** Where the file was kept before it was repaired or replaced (null: nothing needed keeping, or it could not be kept). */
  readonly backup: string | null = null;
  /** Notices raised while opening, before anyone could listen: the boot records and shows them. */
  readonly noticesAtStart: Notice[] = [];

  constructor(backend: SettingsBackend, options: SettingsStoreOptions = {}) {
    this.#backend = backend;
    this.#now = options.now ?? Date.now;
    const onDisk = path.isAbsolute(backend.path);
    if (onDisk) removeLeftoverTempFiles(backend.path);
    let raw: unknown;
    let unreadable: string | null = null;
    try {
      raw = backend.read();
    } catch (error) {
      unreadable = (error as Error)?.message ?? String(error);
    }
    const outcome = migrateSettings(raw);
    this.#settings = outcome.settings;
    this.repaired = outcome.repaired;
    let notKept = '';
    if (onDisk && (unreadable !== null || this.repaired.length > 0) && fs.existsSync(backend.path)) {
      try {
        // An unreadable file is moved aside, so the backend can write a fresh one in its place.
        this.backup = keepOldFile(backend.path, this.#now(), unreadable !== null);
      } catch (error) {
        notKept = ` The old file could not be kept: ${describeSaveError(error, backend.path)}`;
      }
    }
    const kept = this.backup ? ` The old file was kept as ${this.backup}.` : notKept;
    if (unreadable !== null) {
      this.#notify('warning', 'Settings could not be read', `${unreadable} IO Worker started with default settings.${kept}`, true);
    } else if (this.repaired.length > 0) {
      const fields = this.repaired.join(', ');
      this.#notify('warning', 'Some settings were reset', `${fields} had values IO Worker cannot use and were reset to their defaults.${kept}`, true);
    }
    // Write back at once so the file on disk carries the current version.
    this.#save(true);
  }

  /** Null while settings are saved; otherwise one sentence on why not. */
  get problem(): string | null {
    return this.#problem;
  }

  get(): Settings {
    return structuredClone(this.#settings);
  }

  /**
   * The settings as they are now, shared and frozen (changing them throws): for what reads them
   * every frame (the limits, the autopilot): get()'s copy there was a tenth of the worker's time at 1 Hz.
   */
  live(): Settings {
    return (this.#frozen ??= deepFreeze(structuredClone(this.#settings)));
  }

  update(patch: SettingsPatch): Settings {
    const valid = SettingsPatchSchema.parse(patch);
    const next = SettingsSchema.parse({
      ...this.#settings,
      ...valid,
      limits: { ...this.#settings.limits, ...valid.limits },
      energy: { ...this.#settings.energy, ...valid.energy },
      desktop: { ...this.#settings.desktop, ...valid.desktop },
      metrics: { ...this.#settings.metrics, ...valid.metrics },
    });
    return this.#apply(next);
  }

  /** The payout address, kept apart from `update` so only a validated address lands here. */
  setWallet(address: string, at = Date.now()): Settings {
    const { wallet } = this.#settings;
    const history = wallet.address && wallet.setAt ? [{ address: wallet.address, setAt: wallet.setAt }, ...wallet.history] : wallet.history;
    return this.#apply(SettingsSchema.parse({ ...this.#settings, wallet: { address, setAt: at, history: history.slice(0, 50) } }));
  }

  onChange(listener: (settings: Settings) => void): () => void {
    return this.#changes.on(listener);
  }

  /** Settings could not be saved, or are saved again. */
  onNotice(listener: (notice: Notice) => void): () => void {
    return this.#notices.on(listener);
  }

  #apply(next: Settings): Settings {
    this.#settings = next;
    this.#frozen = null;
    this.#save(false);
    this.#changes.emit(this.get());
    return this.get();
  }

  #save(atStart: boolean): void {
    try {
      this.#backend.write({ ...this.#settings, schemaVersion: SETTINGS_VERSION });
    } catch (error) {
      const reason = describeSaveError(error, this.#backend.path);
      if (reason === this.#problem) return; // said once per problem; the next change tries again
      this.#problem = reason;
      const body = `${reason} IO Worker keeps running with the settings in memory (until it stops) and saves them at the next change once the disk takes writes.`;
      this.#notify('error', 'Settings are not being saved', body, atStart);
      return;
    }
    if (this.#problem === null) return;
    const was = this.#problem;
    this.#problem = null;
    this.#notify('info', 'Settings are being saved again', `The earlier problem (${was}) is over.`, atStart);
  }

  #notify(level: Notice['level'], title: string, body: string, atStart: boolean): void {
    const t = this.#now();
    const notice: Notice = { id: `settings-${t}-${this.#seq++}`, t, level, title, body };
    if (atStart) this.noticesAtStart.push(notice);
    else this.#notices.emit(notice);
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

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
