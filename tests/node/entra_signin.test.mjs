// Headless Chromium signs in on the sandbox's Entra sign-in page and the browser posts the
// SAML Response to the (local) AWS sign-in reply URL.
//
// Started by the Rust test `entra::browser` (crates/sandbox/tests/sandbox/entra/browser.rs),
// which runs a sandbox, configures an app through Graph and passes:
//   SANDBOX_URL       base URL of the sandbox (http://127.0.0.1:port)
//   LAUNCH_URL        IdP-initiated sign-in URL of the app
//   ENTRA_USERNAME    user to sign in as
//   ENTRA_PASSWORD    its password
//   EXPECT_RELAY_STATE the RelayState that must be posted
//   OUTPUT_FILE       where to write the captured POST body (form-urlencoded) for the Rust side
//   SCREENSHOT_DIR    where to put a screenshot when the test fails
// Run by hand: node --test tests/node/entra_signin.test.mjs (with the variables set).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`environment variable ${name} is required`);
  return v;
};

test('a user signs in on the Entra page and the browser posts the SAML Response to the reply URL', async () => {
  const sandbox = env('SANDBOX_URL');
  const launch = env('LAUNCH_URL');
  const screenshots = process.env.SCREENSHOT_DIR || mkdtempSync(join(tmpdir(), 'entra-signin-'));
  const profile = mkdtempSync(join(tmpdir(), 'chromium-profile-'));
  // A fresh profile directory (playwright passes it as --user-data-dir).
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
  const page = context.pages()[0] || await context.newPage();
  try {
    // Capture the POST to the reply URL (the sandbox's AWS sign-in) and answer it ourselves,
    // so this test depends only on the Entra side.
    let posted;
    const captured = new Promise((resolve) => {
      page.route(`${sandbox}/aws/signin/saml**`, async (route) => {
        const request = route.request();
        posted = { method: request.method(), url: request.url(), body: request.postData() || '' };
        await route.fulfill({ status: 200, contentType: 'text/html', body: '<html><body id="captured">captured</body></html>' });
        resolve();
      });
    });

    await page.goto(launch);
    assert.match(await page.title(), /Sign in/);
    await page.fill('input[name="loginfmt"]', env('ENTRA_USERNAME'));
    await page.fill('input[name="passwd"]', env('ENTRA_PASSWORD'));
    await page.click('#idSIButton9');
    await Promise.race([
      captured,
      new Promise((_, reject) => setTimeout(() => reject(new Error('no POST to the reply URL within 20 s')), 20000)),
    ]);
    await page.waitForSelector('#captured');

    assert.equal(posted.method, 'POST');
    assert.equal(posted.url, `${sandbox}/aws/signin/saml`);
    const form = new URLSearchParams(posted.body);
    assert.ok(form.get('SAMLResponse'), 'SAMLResponse posted');
    assert.equal(form.get('RelayState'), env('EXPECT_RELAY_STATE'));
    const xml = Buffer.from(form.get('SAMLResponse'), 'base64').toString('utf8');
    assert.match(xml, /<(\w+:)?Response /);
    if (process.env.OUTPUT_FILE) writeFileSync(process.env.OUTPUT_FILE, posted.body);
  } catch (err) {
    const shot = join(screenshots, 'entra-signin-failure.png');
    try {
      await page.screenshot({ path: shot, fullPage: true });
      console.error(`screenshot of the failure: ${shot}`);
    } catch (shotErr) {
      console.error(`could not take a screenshot: ${shotErr}`);
    }
    throw err;
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
});
