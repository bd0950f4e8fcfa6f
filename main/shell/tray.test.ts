import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { TelemetryFrame, WorkerState } from '../../preload/contract/index.ts';
import { decodePng, encodePng } from './png.ts';
import { TRAY_STATES, TRAY_VARIANTS, generatedIcons, trayIconName } from './tray-icons.ts';
import { TrayService, hottestGpu, trayMenu, trayTooltip, type TrayActions, type TrayLike, type TrayMenuItem } from './tray.ts';

class FakeTray implements TrayLike {
  image: string;
  tooltip = '';
  menu: TrayMenuItem[] = [];
  menuSets = 0;
  destroyed = false;
  clicks: (() => void)[] = [];
  constructor(image: string) {
    this.image = image;
  }
  setImage(p: string) {
    this.image = p;
  }
  setToolTip(t: string) {
    this.tooltip = t;
  }
  setContextMenu(menu: unknown) {
    this.menu = menu as TrayMenuItem[];
    this.menuSets++;
  }
  on(_event: 'click', listener: () => void) {
    this.clicks.push(listener);
  }
  destroy() {
    this.destroyed = true;
  }
}

function setup(variant: 'light' | 'dark' = 'light', withPause = true) {
  const trays: FakeTray[] = [];
  const actions = {
    openDashboard: vi.fn(),
    setStartAtLogin: vi.fn(),
    checkForUpdates: vi.fn(),
    quit: vi.fn(),
    ...(withPause ? { setPaused: vi.fn() } : {}),
  } satisfies TrayActions;
  let theme = variant;
  const service = new TrayService({
    createTray: (icon) => {
      const tray = new FakeTray(icon);
      trays.push(tray);
      return tray;
    },
    buildMenu: (items) => items,
    iconPath: (state, v) => `/resources/tray/${trayIconName(state, v)}`,
    variant: () => theme,
    actions,
  });
  return { service, trays, actions, setTheme: (v: 'light' | 'dark') => void (theme = v) };
}
const item = (tray: FakeTray, id: string) => tray.menu.find((i) => i.id === id)!;

describe('TrayService', () => {
  it.each(TRAY_STATES)('shows the %s icon in light and dark', (state: WorkerState) => {
    const { service, trays, setTheme } = setup();
    service.update({ state });
    expect(trays[0].image).toBe(`/resources/tray/${state}-light.png`);
    setTheme('dark');
    service.render();
    expect(trays[0].image).toBe(`/resources/tray/${state}-dark.png`);
    expect(trays).toHaveLength(1);
  });

  it('puts the state, hottest GPU and today’s earnings in the tooltip', () => {
    const { service, trays } = setup();
    service.update({ state: 'earning', hottestGpuC: 71.6, earnedToday: '1.25 IO' });
    expect(trays[0].tooltip).toBe('IO Worker: Earning\nHottest GPU: 72 °C\nEarned today: 1.25 IO');
    service.update({ hottestGpuC: null, earnedToday: null, state: 'offline' });
    expect(trays[0].tooltip).toBe('IO Worker: Offline\nHottest GPU: no reading\nEarned today: nothing yet');
  });

  it('offers open, pause/resume, start at login, updates and quit, each wired', () => {
    const { service, trays, actions } = setup();
    service.update({ state: 'earning' });
    const tray = trays[0];
    expect(tray.menu.filter((i) => i.type !== 'separator').map((i) => i.id)).toEqual([
      'status',
      'open',
      'pause',
      'start-at-login',
      'updates',
      'quit',
    ]);
    item(tray, 'open').click?.();
    expect(actions.openDashboard).toHaveBeenCalledOnce();
    expect(item(tray, 'pause').label).toBe('Pause the worker');
    item(tray, 'pause').click?.();
    expect(actions.setPaused).toHaveBeenCalledWith(true);
    service.update({ state: 'paused', pausedBy: 'user' });
    expect(item(tray, 'pause').label).toBe('Resume the worker');
    expect(item(tray, 'status').label).toBe('Paused by you');
    item(tray, 'pause').click?.();
    expect(actions.setPaused).toHaveBeenLastCalledWith(false);
    // A limit's pause is not the owner's to lift: the menu says who holds it and offers a pause of their own.
    service.update({ state: 'paused', pausedBy: 'limits', earnedToday: '1.25 IO' });
    expect(item(tray, 'status').label).toBe('Paused by a limit you set · 1.25 IO today');
    expect(item(tray, 'pause').label).toBe('Pause the worker');
    item(tray, 'start-at-login').click?.();
    expect(actions.setStartAtLogin).toHaveBeenCalledWith(true);
    item(tray, 'updates').click?.();
    expect(actions.checkForUpdates).toHaveBeenCalledOnce();
    item(tray, 'quit').click?.();
    expect(actions.quit).toHaveBeenCalledOnce();
    tray.clicks[0]();
    expect(actions.openDashboard).toHaveBeenCalledTimes(2);
  });

  it('shows start-at-login as checked, and pause as unavailable without a worker that can pause', () => {
    const { service, trays } = setup('light', false);
    service.update({ startAtLogin: true });
    expect(item(trays[0], 'start-at-login').checked).toBe(true);
    expect(item(trays[0], 'pause')).toMatchObject({ enabled: false, label: expect.stringMatching(/not available/) });
  });

  it('rebuilds the menu only when it changes, not on every telemetry tick', () => {
    const { service, trays } = setup();
    service.update({ state: 'earning', hottestGpuC: 60 });
    service.update({ hottestGpuC: 61 });
    service.update({ hottestGpuC: 62 });
    expect(trays[0].menuSets).toBe(1);
    expect(trays[0].tooltip).toContain('62 °C');
    service.update({ updateNote: 'Update 0.2.0 installs at 15:01, right after this block closes.', updateReady: '0.2.0' });
    expect(trays[0].menuSets).toBe(2);
    expect(item(trays[0], 'updates').label).toBe('Install 0.2.0 now (restarts the worker)');
    expect(trays[0].tooltip).toContain('Update 0.2.0 installs at 15:01');
  });

  it('destroys the tray and recreates it on the next render', () => {
    const { service, trays } = setup();
    service.render();
    service.destroy();
    expect(trays[0].destroyed).toBe(true);
    service.render();
    expect(trays).toHaveLength(2);
    expect(trays[1].menuSets).toBe(1);
  });
});

describe('pure parts', () => {
  it('trayTooltip and trayMenu name the error state in words', () => {
    const view = { state: 'error' as const, hottestGpuC: null, earnedToday: null, startAtLogin: false, updateNote: null, updateReady: null };
    expect(trayTooltip(view)).toMatch(/Needs attention/);
    expect(trayMenu(view, { openDashboard() {}, setStartAtLogin() {}, checkForUpdates() {}, quit() {} })[0].label).toBe('Needs attention');
  });

  it('hottestGpu takes the highest of core, hotspot and memory temperatures', () => {
    const gpu = (t: number | null, h: number | null, m: number | null) => ({ temperatureC: t, hotspotC: h, memoryTemperatureC: m });
    const frame = (gpus: object[]) => ({ gpus }) as unknown as TelemetryFrame;
    expect(hottestGpu(frame([]))).toBeNull();
    expect(hottestGpu(frame([gpu(null, null, null)]))).toBeNull();
    expect(hottestGpu(frame([gpu(60, 72, 80), gpu(65, 90, null)]))).toBe(90);
  });
});

describe('icons', () => {
  it('encodes PNGs that decode back to the same pixels', () => {
    const rgba = new Uint8Array(3 * 2 * 4).map((_, i) => (i * 37) % 256);
    const back = decodePng(encodePng(3, 2, rgba));
    expect(back).toEqual({ width: 3, height: 2, rgba });
    expect(() => encodePng(2, 2, new Uint8Array(3))).toThrow(/RGBA bytes/);
  });

  it('has every state in both variants at 1x and 2x, as committed in resources/', () => {
    const files = generatedIcons();
    for (const state of TRAY_STATES) {
      for (const variant of TRAY_VARIANTS) {
        for (const [scale, size] of [[1, 16], [2, 32]] as const) {
          const relative = `resources/tray/${trayIconName(state, variant, scale)}`;
          const committed = fs.readFileSync(path.join(process.cwd(), relative));
          expect(committed.equals(files.get(relative)!), `${relative} is stale: run node main/shell/tray-icons.ts`).toBe(true);
          expect(decodePng(committed).width).toBe(size);
        }
      }
    }
    expect(fs.readFileSync('build/icon.png').equals(files.get('build/icon.png')!)).toBe(true);
    expect(decodePng(fs.readFileSync('build/icon.png')).width).toBe(512);
  });

  it('draws each state differently, and light differently from dark', () => {
    const files = generatedIcons();
    const seen = new Set([...files.entries()].filter(([k]) => k.startsWith('resources/tray/') && !k.includes('@2x')).map(([, v]) => v.toString('base64')));
    expect(seen.size).toBe(TRAY_STATES.length * TRAY_VARIANTS.length);
  });
});
