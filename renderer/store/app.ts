// Low-rate app state in zustand: connection, worker status, inventory, settings. Components select
// primitives or small slices so a status change does not re-render the whole page.
import { create } from 'zustand';
import { FIRST_ANSWERS_ELEMENT_ID, type FirstAnswers } from '../../preload/contract/first-answers.ts';
import type { Inventory, Notice, Settings, Status } from '../../preload/contract/index.ts';
import { api, ApiError } from '../api';
import type { ConnectionState } from '../api/client';
import { telemetry } from './telemetry';

interface AppState {
  connection: ConnectionState;
  status: Status | null;
  inventory: Inventory | null;
  inventoryError: string | null;
  settings: Settings | null;
  notices: Notice[];
  saveSettings(patch: Parameters<typeof api.request<'settings.update'>>[1]): Promise<void>;
  rename(name: string): Promise<void>;
  setWallet(address: string): Promise<void>;
  refreshInventory(): Promise<void>;
}

export const useApp = create<AppState>()((set) => ({
  connection: api.transport.state(),
  status: null,
  inventory: null,
  inventoryError: null,
  settings: null,
  notices: [],
  async saveSettings(patch) {
    set({ settings: await api.request('settings.update', patch) });
  },
  async rename(name) {
    set({ status: await api.request('device.rename', { name }) });
  },
  async setWallet(address) {
    const wallet = await api.request('wallet.set', { address, confirm: true });
    set((s) => ({ settings: s.settings ? { ...s.settings, wallet } : s.settings }));
  },
  async refreshInventory() {
    await loadInventory(true);
  },
}));

async function loadInventory(refresh = false) {
  try {
    useApp.setState({ inventory: await api.request('system.inventory', { refresh }), inventoryError: null });
  } catch (error) {
    useApp.setState({ inventoryError: error instanceof ApiError ? error.message : String(error) });
  }
}

/** Everything the UI needs after each (re)connect: status, settings, inventory, recent telemetry. */
async function load() {
  // All at once: the page is usable as soon as status, settings, hardware and the newest frame are
  // in. The 15 minutes of recent telemetry (a large answer, read after the small ones on the one
  // socket) fill the charts a moment later.
  const latest = api.request('telemetry.recent', { seconds: 2 }).then((frames) => telemetry.seed(frames));
  const [status, settings] = await Promise.all([api.request('system.status', {}), api.request('settings.get', {}), loadInventory(), latest]);
  useApp.setState({ status, settings });
  performance.mark('io-worker:loaded'); // the dashboard benchmark reads these marks
  telemetry.seed(await api.request('telemetry.recent', { seconds: 900 }));
}

/**
 * The answers `io-worker serve` put into the page (preload/contract/first-answers.ts): Home paints
 * from them before its socket opens; the socket's own answers replace them a moment later.
 */
function takeFirstAnswers(): void {
  const element = typeof document === 'undefined' ? null : document.getElementById(FIRST_ANSWERS_ELEMENT_ID);
  if (!element) return;
  element.remove();
  let answers: FirstAnswers;
  try {
    answers = JSON.parse(element.textContent ?? '') as FirstAnswers;
  } catch {
    return; // a page cut short: the socket answers
  }
  const result = <T>(reply: { ok: true; result: T } | { ok: false } | undefined): T | undefined => (reply?.ok ? reply.result : undefined);
  const frames = result(answers['telemetry.recent']);
  if (frames) telemetry.seed(frames);
  const status = result(answers['system.status']);
  const settings = result(answers['settings.get']);
  const inventory = result(answers['system.inventory']);
  useApp.setState({
    ...(status ? { status } : {}),
    ...(settings ? { settings } : {}),
    ...(inventory ? { inventory } : {}),
  });
}

export function startApp(): void {
  takeFirstAnswers();
  api.on('telemetry', (frame) => telemetry.push(frame));
  api.on('status', (status) => useApp.setState({ status }));
  api.on('notice', (notice) => useApp.setState((s) => ({ notices: [notice, ...s.notices].slice(0, 50) })));
  api.transport.onStateChange((connection) => {
    useApp.setState({ connection });
    if (connection === 'open') void load().catch(() => {});
  });
  if (api.transport.state() === 'open') void load().catch(() => {});
}
