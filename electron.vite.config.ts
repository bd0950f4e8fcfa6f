// Builds the three parts of the app: main (ESM, Node 24 in Electron 45), the preload (one CommonJS
// file, as a sandboxed preload requires) and the renderer (React).
import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rollupOptions: {
        input: { index: resolve('main/shell/index.ts') },
        // Built into Electron's Node, or native: never bundled.
        external: ['electron', 'node:sqlite', 'keytar'],
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rollupOptions: {
        input: { index: resolve('preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs', codeSplitting: false },
      },
      // The sandboxed preload cannot require npm modules at run time: bundle what it imports (no zod).
      externalizeDeps: false,
    },
  },
  renderer: {
    root: 'renderer',
    build: {
      outDir: 'out/renderer',
      minify: true,
      rollupOptions: { input: { index: resolve('renderer/index.html') } },
    },
    plugins: [react()],
  },
});
