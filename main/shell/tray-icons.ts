// The tray icons, drawn in code: one per worker state, in a light variant (dark glyph, for light
// menu bars) and a dark variant (light glyph), at 1x and 2x. Never imported by the app at run time. `node main/shell/tray-icons.ts`
// rewrites resources/tray/ and the app icons; a test checks the committed files match this code.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorkerState } from '../../preload/contract/index.ts';
import { encodePng } from './png.ts';
import { TRAY_STATES, TRAY_VARIANTS, trayIconName, type TrayVariant } from './tray.ts';

export { TRAY_STATES, TRAY_VARIANTS, trayIconName, type TrayVariant } from './tray.ts';

type Rgb = readonly [number, number, number];
/** One colour a person can tell apart per state; the shape tells them apart without colour too. */
export const STATE_COLOURS: Record<WorkerState, Rgb> = {
  starting: [0x3b, 0x82, 0xf6],
  earning: [0x16, 0xa3, 0x4a],
  hired: [0x8b, 0x5c, 0xf6],
  idle: [0x94, 0xa3, 0xb8],
  paused: [0xf5, 0x9e, 0x0b],
  offline: [0x64, 0x74, 0x8b],
  error: [0xdc, 0x26, 0x26],
};
const OUTLINE: Record<TrayVariant, Rgb> = { light: [0x1f, 0x23, 0x28], dark: [0xf0, 0xf3, 0xf6] };

/** Coverage of a pixel by a shape, from 4x4 samples: soft edges without a graphics library. */
function draw(size: number, inside: (x: number, y: number) => Rgb | null): Uint8Array {
  const rgba = new Uint8Array(size * size * 4);
  const n = 4;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let hits = 0;
      for (let sy = 0; sy < n; sy++) {
        for (let sx = 0; sx < n; sx++) {
          // Unit coordinates, centre at 0, edges at ±1.
          const colour = inside(((px + (sx + 0.5) / n) / size) * 2 - 1, ((py + (sy + 0.5) / n) / size) * 2 - 1);
          if (colour) {
            r += colour[0];
            g += colour[1];
            b += colour[2];
            hits++;
          }
        }
      }
      const i = (py * size + px) * 4;
      if (hits) {
        rgba[i] = Math.round(r / hits);
        rgba[i + 1] = Math.round(g / hits);
        rgba[i + 2] = Math.round(b / hits);
        rgba[i + 3] = Math.round((hits / (n * n)) * 255);
      }
    }
  }
  return rgba;
}

export function drawTrayIcon(state: WorkerState, variant: TrayVariant, size: number): Uint8Array {
  const fill = STATE_COLOURS[state];
  const outline = OUTLINE[variant];
  return draw(size, (x, y) => {
    const d = Math.hypot(x, y);
    if (d > 0.94) return null;
    if (d > 0.74) return outline;
    // Offline: a hollow ring. Paused: two bars. Error: a bar across. Starting: a dot. Hired: a ring.
    if (state === 'offline') return null;
    if (state === 'paused') return Math.abs(y) < 0.42 && Math.abs(x) > 0.12 && Math.abs(x) < 0.38 ? outline : fill;
    if (state === 'error') return Math.abs(y) < 0.14 && Math.abs(x) < 0.46 ? outline : fill;
    if (state === 'starting') return d < 0.3 ? outline : fill;
    if (state === 'hired') return d > 0.26 && d < 0.44 ? outline : fill;
    return fill;
  });
}

/** The app icon: a rounded square with a chip and the earning green, for build/ and resources/. */
export function drawAppIcon(size: number): Uint8Array {
  const bg: Rgb = [0x0f, 0x11, 0x15];
  const chip: Rgb = [0x16, 0xa3, 0x4a];
  const pin: Rgb = [0x94, 0xa3, 0xb8];
  return draw(size, (x, y) => {
    const r = 0.36;
    const qx = Math.max(Math.abs(x) - (0.92 - r), 0);
    const qy = Math.max(Math.abs(y) - (0.92 - r), 0);
    if (Math.hypot(qx, qy) > r) return null;
    if (Math.abs(x) < 0.36 && Math.abs(y) < 0.36) return chip;
    const pinAt = (v: number) => Math.abs(v) < 0.3 && Math.abs(((v + 0.3) % 0.2) - 0.1) < 0.045;
    if (Math.abs(x) < 0.56 && Math.abs(y) < 0.56 && ((Math.abs(x) >= 0.36 && pinAt(y)) || (Math.abs(y) >= 0.36 && pinAt(x)))) return pin;
    return bg;
  });
}

/** Every generated file, relative to the project root, with its bytes. */
export function generatedIcons(): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const state of TRAY_STATES) {
    for (const variant of TRAY_VARIANTS) {
      files.set(`resources/tray/${trayIconName(state, variant, 1)}`, encodePng(16, 16, drawTrayIcon(state, variant, 16)));
      files.set(`resources/tray/${trayIconName(state, variant, 2)}`, encodePng(32, 32, drawTrayIcon(state, variant, 32)));
    }
  }
  files.set('resources/icon.png', encodePng(256, 256, drawAppIcon(256)));
  // electron-builder derives .ico and .icns from a 512px (or larger) PNG.
  files.set('build/icon.png', encodePng(512, 512, drawAppIcon(512)));
  return files;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  for (const [relative, bytes] of generatedIcons()) {
    fs.mkdirSync(path.dirname(path.join(root, relative)), { recursive: true });
    fs.writeFileSync(path.join(root, relative), bytes);
    console.log(`wrote ${relative} (${bytes.length} bytes)`);
  }
}
