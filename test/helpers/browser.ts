/**
 * Headless Chromium for browser tests: Debian's /usr/bin/chromium driven by playwright-core (no browser
 * download). The flags keep Chromium off the network: without the background-networking ones it dials
 * Google's hosts at start-up, which this machine (and the loopback guard's spirit) refuses.
 * Playwright gives each launch a new empty profile of its own.
 * `.ci/run` installs the `chromium` package; where it is missing, `browserAvailable()` is false and the
 * browser tests say so and skip.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env.BACKFLOW_TEST_CHROMIUM ?? '/usr/bin/chromium';

/** Where tests keep screenshots: CI keeps this folder as an artefact. */
export const ARTEFACT_DIR = join(__dirname, '..', '..', 'test-artifacts');

export function browserAvailable(): boolean {
  return existsSync(CHROMIUM_PATH);
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-default-apps',
      '--disable-features=Translate,OptimizationHints,MediaRouter',
    ],
  });
}

/** Path for a screenshot artefact (the folder is created on demand). */
export function artefactPath(name: string): string {
  mkdirSync(ARTEFACT_DIR, { recursive: true });
  return join(ARTEFACT_DIR, name);
}
