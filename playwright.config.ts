// e2e: the dashboard in Debian's Chromium against a real `io-worker serve`, and the Electron app
// through _electron wherever an Electron binary exists (skipped, with the reason, elsewhere).
import { defineConfig } from '@playwright/test';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  // Chromium 156 builds its omnibox pop-up (a WebUI page of over a hundred modules) for every new window,
  // even headless: on 2 cores it ran beside each page load and nearly doubled it. Electron has none.
  '--disable-features=WebUIOmniboxFullPopup,WebUIOmniboxAimPopup,WebUIOmniboxPopup',
];

export default defineConfig({
  testDir: 'e2e',
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  // The JSON report feeds the summary line of npm test (PLAYWRIGHT_JSON_OUTPUT_NAME).
  reporter: [['list'], ['json', { outputFile: process.env.PLAYWRIGHT_JSON_OUTPUT_NAME ?? 'test-results/e2e.json' }]],
  outputDir: 'test-results/e2e',
  use: { trace: 'retain-on-failure', screenshot: 'only-on-failure' },
  projects: [
    {
      name: 'dashboard',
      testMatch: /dashboard.*\.spec\.ts/,
      use: {
        browserName: 'chromium',
        launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS },
        viewport: { width: 1280, height: 800 },
      },
    },
    { name: 'electron', testMatch: /electron.*\.spec\.ts/ },
  ],
});
