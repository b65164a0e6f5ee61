// The headless Chromium the browser tests share: launched once per test file with the flags a
// closed network needs, a fresh context (no cookies) per test, and a screenshot on failure.

import { before, after } from 'node:test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

/// A variable the Rust launcher passes.
export const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`environment variable ${name} is required`);
  return v;
};

/// Where screenshots go.
export const shots = process.env.SCREENSHOT_DIR || mkdtempSync(join(tmpdir(), 'browser-'));

let browser;
before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
});
after(async () => { await browser?.close(); });

/// A fresh browser context and page for `body`, with a screenshot if it throws.
export async function withPage(name, body) {
  const context = await browser.newContext();
  const page = await context.newPage();
  try {
    await body(page);
  } catch (e) {
    await page.screenshot({ path: join(shots, `${name}-failure.png`), fullPage: true }).catch(() => {});
    throw new Error(`${e.message}\n(page ${page.url()}; screenshot in ${shots})`);
  } finally {
    await context.close();
  }
}
