// The tray: one icon per worker state (light or dark to match the menu bar), a tooltip with the
// state, the hottest GPU and today's earnings, and the menu. One render() reconciles the view
// into the tray, so tests drive it through a fake tray factory and read back what it shows.
import type { PauseSource, TelemetryFrame, WorkerState } from '../../preload/contract/index.ts';
import { PAUSE_SOURCE_WORDS, WORKER_STATES, WORKER_STATE_WORDS } from '../../preload/contract/words.ts';

export const TRAY_STATES: readonly WorkerState[] = WORKER_STATES;
export type TrayVariant = 'light' | 'dark';
export const TRAY_VARIANTS: readonly TrayVariant[] = ['light', 'dark'];

/** resources/tray/<state>-<variant>.png; Electron picks the @2x file beside it on HiDPI screens. */
export function trayIconName(state: WorkerState, variant: TrayVariant, scale: 1 | 2 = 1): string {
  return `${state}-${variant}${scale === 2 ? '@2x' : ''}.png`;
}

export interface TrayLike {
  setImage(iconPath: string): void;
  setToolTip(text: string): void;
  setContextMenu(menu: unknown): void;
  on(event: 'click', listener: () => void): unknown;
  destroy(): void;
}

export interface TrayMenuItem {
  id: string;
  label?: string;
  type: 'normal' | 'checkbox' | 'separator';
  checked?: boolean;
  enabled?: boolean;
  click?: () => void;
}

export interface TrayActions {
  openDashboard(): void;
  /** Absent until the worker runtime can pause; the menu item then says so and is disabled. */
  setPaused?: (paused: boolean) => void;
  setStartAtLogin(enabled: boolean): void;
  /** Checks now, or installs a downloaded update at once when one is ready. */
  checkForUpdates(): void;
  quit(): void;
}

export interface TrayView {
  state: WorkerState;
  /** Temperature of the hottest GPU right now, or null when no GPU reports one. */
  hottestGpuC: number | null;
  /** Today's earnings, already formatted with its unit, or null before the ledger has any. */
  earnedToday: string | null;
  /** Who holds the pause while paused (the owner can lift only their own), or null. */
  pausedBy?: PauseSource | null;
  startAtLogin: boolean;
  /** What the updater is doing, in words (e.g. "Update 0.2.0 installs after this block"). */
  updateNote: string | null;
  /** A downloaded update the user may install now instead of waiting for the block to close. */
  updateReady: string | null;
}

export interface TrayServiceOptions {
  createTray(iconPath: string): TrayLike;
  /** Menu.buildFromTemplate in the app; the identity function in tests. */
  buildMenu(items: TrayMenuItem[]): unknown;
  iconPath(state: WorkerState, variant: TrayVariant): string;
  variant(): TrayVariant;
  actions: TrayActions;
}


export function trayTooltip(view: TrayView): string {
  const lines = [
    `IO Worker: ${WORKER_STATE_WORDS[view.state]}`,
    `Hottest GPU: ${view.hottestGpuC === null ? 'no reading' : `${Math.round(view.hottestGpuC)} °C`}`,
    `Earned today: ${view.earnedToday ?? 'nothing yet'}`,
  ];
  if (view.updateNote) lines.push(view.updateNote);
  return lines.join('\n');
}

const capitalize = (text: string) => `${text[0]!.toUpperCase()}${text.slice(1)}`;

export function trayMenu(view: TrayView, actions: TrayActions): TrayMenuItem[] {
  // Resume lifts the owner's own pause; a limit's or the autopilot's pause ends by itself.
  const pausedByYou = view.state === 'paused' && view.pausedBy === 'user';
  const pause: TrayMenuItem = actions.setPaused
    ? { id: 'pause', type: 'normal', label: pausedByYou ? 'Resume the worker' : 'Pause the worker', click: () => actions.setPaused?.(!pausedByYou) }
    : { id: 'pause', type: 'normal', label: 'Pause the worker (not available yet)', enabled: false };
  const state = view.state === 'paused' && view.pausedBy ? capitalize(PAUSE_SOURCE_WORDS[view.pausedBy]) : WORKER_STATE_WORDS[view.state];
  return [
    { id: 'status', type: 'normal', label: `${state}${view.earnedToday ? ` · ${view.earnedToday} today` : ''}`, enabled: false },
    { id: 'sep-1', type: 'separator' },
    { id: 'open', type: 'normal', label: 'Open dashboard', click: actions.openDashboard },
    pause,
    { id: 'sep-2', type: 'separator' },
    {
      id: 'start-at-login',
      type: 'checkbox',
      label: 'Start at login',
      checked: view.startAtLogin,
      click: () => actions.setStartAtLogin(!view.startAtLogin),
    },
    {
      id: 'updates',
      type: 'normal',
      label: view.updateReady ? `Install ${view.updateReady} now (restarts the worker)` : 'Check for updates',
      click: actions.checkForUpdates,
    },
    { id: 'sep-3', type: 'separator' },
    { id: 'quit', type: 'normal', label: 'Quit IO Worker', click: actions.quit },
  ];
}

/** The hottest GPU in a telemetry frame, by core, hotspot or memory temperature, whichever is highest. */
export function hottestGpu(frame: TelemetryFrame): number | null {
  let hottest: number | null = null;
  for (const gpu of frame.gpus) {
    for (const reading of [gpu.temperatureC, gpu.hotspotC, gpu.memoryTemperatureC]) {
      if (reading !== null && (hottest === null || reading > hottest)) hottest = reading;
    }
  }
  return hottest;
}

export class TrayService {
  readonly #options: TrayServiceOptions;
  #tray: TrayLike | null = null;
  #view: TrayView = { state: 'starting', hottestGpuC: null, earnedToday: null, startAtLogin: false, updateNote: null, updateReady: null };
  #shown = { icon: '', tooltip: '', menu: '' };

  constructor(options: TrayServiceOptions) {
    this.#options = options;
  }

  get view(): TrayView {
    return { ...this.#view };
  }

  update(patch: Partial<TrayView>): void {
    this.#view = { ...this.#view, ...patch };
    this.render();
  }

  /** Creates the tray on first call, then touches only what changed (telemetry arrives every second). */
  render(): void {
    const icon = this.#options.iconPath(this.#view.state, this.#options.variant());
    if (!this.#tray) {
      this.#tray = this.#options.createTray(icon);
      this.#tray.on('click', () => this.#options.actions.openDashboard());
      this.#shown.icon = icon;
    }
    const tray = this.#tray;
    if (icon !== this.#shown.icon) tray.setImage((this.#shown.icon = icon));
    const tooltip = trayTooltip(this.#view);
    if (tooltip !== this.#shown.tooltip) tray.setToolTip((this.#shown.tooltip = tooltip));
    const items = trayMenu(this.#view, this.#options.actions);
    const signature = JSON.stringify(items);
    if (signature !== this.#shown.menu) {
      this.#shown.menu = signature;
      tray.setContextMenu(this.#options.buildMenu(items));
    }
  }

  destroy(): void {
    this.#tray?.destroy();
    this.#tray = null;
    this.#shown = { icon: '', tooltip: '', menu: '' };
  }
}
