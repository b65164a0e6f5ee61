// What a person does in a browser, end to end, against a sandbox where `connect-sso apply`
// has configured Entra and AWS: open the IdP, sign in, get posted to AWS sign-in, pick a role
// when there are two, and land in Amazon Connect as themselves. And the error pages people
// meet when something is wrong.
//
// Started by the Rust test `sandbox::browser_full_chain` (crates/engine/tests/engine/sandbox.rs),
// which passes:
//   SANDBOX_URL      base URL of the sandbox
//   LAUNCH_URL       the app's IdP-initiated sign-in URL (what the My Apps tile opens)
//   PASSWORD         the demo users' password
//   AGENT, SUPERVISOR, UNASSIGNED   usernames (the supervisor has two roles)
//   SECOND_ROLE_ARN  the role the supervisor picks on the chooser
//   INSTANCE_ID      the Connect instance
//   SCREENSHOT_DIR   where screenshots go (always for the landing pages, and on failure)
// Run by hand: node --test tests/node/full_chain.test.mjs (with the variables set).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { env, shots, withPage } from './browser.mjs';

async function signIn(page, user) {
  await page.goto(env('LAUNCH_URL'));
  assert.match(await page.title(), /Sign in/);
  await page.fill('input[name="loginfmt"]', user);
  await page.fill('input[name="passwd"]', env('PASSWORD'));
  // The IdP answers with a form that posts itself to AWS sign-in; wait for where it leads.
  await Promise.all([page.waitForLoadState('load'), page.click('#idSIButton9')]);
  await page.waitForLoadState('networkidle');
}

test('an agent opens the app, signs in and lands in Amazon Connect as themselves', async () => {
  await withPage('agent', async (page) => {
    await signIn(page, env('AGENT'));
    await page.waitForSelector('#signed-in', { timeout: 10000 });
    const text = await page.textContent('#signed-in');
    assert.match(text, new RegExp(`Signed in to Amazon Connect as ${env('AGENT').replace('.', '\\.')}`));
    // The relay state's destination: the agent lands on the CCP of the right instance.
    assert.ok(page.url().includes(env('INSTANCE_ID')), page.url());
    assert.ok(page.url().includes('ccp-v2'), page.url());
    await page.screenshot({ path: join(shots, 'agent-connect.png'), fullPage: true });
  });
});

test('a supervisor with two roles picks one on the AWS role chooser and lands in Connect', async () => {
  await withPage('supervisor', async (page) => {
    await signIn(page, env('SUPERVISOR'));
    // AWS shows its role chooser when the assertion carries several Role values.
    await page.waitForSelector('input[name="roleIndex"]', { timeout: 10000 });
    const offered = await page.$$eval('input[name="roleIndex"]', (els) => els.map((e) => e.value));
    assert.equal(offered.length, 2, `roles offered: ${offered}`);
    const second = env('SECOND_ROLE_ARN');
    const pick = offered.find((v) => v.includes(second));
    assert.ok(pick, `${second} among ${offered}`);
    await page.check(`input[name="roleIndex"][value="${pick}"]`);
    await page.screenshot({ path: join(shots, 'supervisor-role-chooser.png'), fullPage: true });
    await Promise.all([page.waitForLoadState('load'), page.click('#signin_button')]);
    await page.waitForSelector('#signed-in', { timeout: 10000 });
    assert.match(await page.textContent('#signed-in'), new RegExp(`as ${env('SUPERVISOR').replace('.', '\\.')}`));
    // The page names the role the session came through.
    assert.match(await page.textContent('body'), new RegExp(second.split('/').pop()));
  });
});

test('a user in no assigned group sees Entra\'s AADSTS50105 page, not AWS', async () => {
  await withPage('unassigned', async (page) => {
    await signIn(page, env('UNASSIGNED'));
    const body = await page.textContent('body');
    assert.match(body, /AADSTS50105/);
    assert.ok(!page.url().includes('/aws/'), `must stop at the IdP, not reach ${page.url()}`);
  });
});

test('opening Connect directly, without signing in through the IdP, says "Session expired"', async () => {
  await withPage('direct', async (page) => {
    const resp = await page.goto(`${env('SANDBOX_URL')}/aws/console/connect/federate/${env('INSTANCE_ID')}`);
    assert.ok(resp.status() >= 400, `status ${resp.status()}`);
    assert.match(await page.textContent('body'), /Session expired/i);
  });
});
