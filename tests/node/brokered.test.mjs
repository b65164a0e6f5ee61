// The brokered chain in a browser, as a person meets it, against a sandbox where
// `connect-sso apply` has set up Entra, IAM Identity Center and the Connect account: open the
// AWS access portal (Identity Center sends you to Entra), or the Entra app's tile; sign in;
// land in the portal; click the "Amazon Connect" tile; land in Amazon Connect as yourself.
//
// Started by the Rust test `brokered::browser_brokered_chain_through_the_portal_tile`
// (crates/engine/tests/engine/brokered.rs), which passes:
//   PORTAL_URL       the AWS access portal (the sandbox's local URL)
//   LAUNCH_URL       the Entra app's IdP-initiated sign-in URL (what the My Apps tile opens)
//   PASSWORD         the demo users' password
//   AGENT, SUPERVISOR, UNASSIGNED   usernames (the supervisor is in two groups)
//   TILE             the application's name on the portal tile
//   SCREENSHOT_DIR   where screenshots go (the portal and the landing page, and on failure)
//   CHROMIUM         the browser

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { env, shots, withPage } from './browser.mjs';

/// Entra's sign-in page: fill it in and wait for where its auto-posted answer leads.
async function signInAtEntra(page, user) {
  assert.match(await page.title(), /Sign in/);
  await page.fill('input[name="loginfmt"]', user);
  await page.fill('input[name="passwd"]', env('PASSWORD'));
  await Promise.all([page.waitForLoadState('load'), page.click('#idSIButton9')]);
  await page.waitForLoadState('networkidle');
}

/// In the portal: the tiles shown, then a click on ours, then Connect.
async function throughTheTile(page, name, user) {
  await page.waitForSelector('a.portal-tile', { timeout: 10000 });
  assert.match(await page.title(), /AWS access portal/);
  const tiles = await page.$$eval('a.portal-tile', (els) => els.map((e) => e.textContent.trim()));
  assert.ok(tiles.includes(env('TILE')), `tiles: ${tiles}`);
  await page.screenshot({ path: join(shots, `${name}-portal.png`), fullPage: true });
  await Promise.all([page.waitForLoadState('load'), page.click(`a.portal-tile:has-text("${env('TILE')}")`)]);
  await page.waitForSelector('#signed-in', { timeout: 10000 });
  const text = await page.textContent('#signed-in');
  assert.match(text, new RegExp(`Signed in to Amazon Connect as ${user.replace('.', '\\.')}`));
  await page.screenshot({ path: join(shots, `${name}-connect.png`), fullPage: true });
}

test('an agent opens the access portal, is sent to Entra, signs in and opens Connect from its tile', async () => {
  await withPage('agent', async (page) => {
    await page.goto(env('PORTAL_URL'));
    // Identity Center's identity source is Entra: the portal sends the visitor there.
    assert.ok(page.url().includes('/entra/'), `not at Entra: ${page.url()}`);
    await signInAtEntra(page, env('AGENT'));
    await throughTheTile(page, 'agent', env('AGENT'));
  });
});

test('a supervisor in two groups starts from the Entra app and opens Connect from the portal tile', async () => {
  await withPage('supervisor', async (page) => {
    await page.goto(env('LAUNCH_URL'));
    await signInAtEntra(page, env('SUPERVISOR'));
    await throughTheTile(page, 'supervisor', env('SUPERVISOR'));
  });
});

test('a user in no assigned group stops at Entra, never reaching Identity Center', async () => {
  await withPage('unassigned', async (page) => {
    await page.goto(env('LAUNCH_URL'));
    await signInAtEntra(page, env('UNASSIGNED'));
    assert.match(await page.textContent('body'), /AADSTS50105/);
    assert.ok(!page.url().includes('/identity-center/'), `reached ${page.url()}`);
  });
});
