import { randomBytes } from 'node:crypto';
import { defineConfig } from '@playwright/test';

// Debian's Chromium: Playwright's own browser download cannot work offline.
const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const port = Number(process.env.E2E_PORT ?? 3100);
// The sandbox control token the studio under test uses; tests that need a project's sandbox keys send it.
// Set here in the runner, so its workers inherit the same value.
process.env.TILLFLOW_E2E_SANDBOX_TOKEN ??= randomBytes(24).toString('hex');

export default defineConfig({
  testDir: './e2e',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  reporter: [['list']],
  use: {
    baseURL: `http://localhost:${port}`,
    launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: chromiumArgs },
    trace: 'retain-on-failure',
  },
  webServer: {
    // A production build on a throwaway data folder, so e2e never touches a developer's .data/.
    command: `node scripts/start.mjs`,
    url: `http://localhost:${port}/api/health`,
    timeout: 240_000,
    reuseExistingServer: !process.env.CI,
    env: {
      PORT: String(port),
      TILLFLOW_DATA_DIR: '.data/e2e',
      TILLFLOW_E2E: '1',
      TILLFLOW_AUTH_RATE_LIMIT: 'off',
      TILLFLOW_SANDBOX_TOKEN: process.env.TILLFLOW_E2E_SANDBOX_TOKEN as string,
    },
  },
});
