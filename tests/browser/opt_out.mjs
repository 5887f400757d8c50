// Browser test of "don't ask me again" (`/u/{token}`), run by tests/api/browser.rs.
//
// Drives Debian's chromium through playwright-core as a referee on a phone would: open the
// link from the invitation's "Don't ask me again", check the confirm page with axe-core,
// press the button and check the confirmation page with axe-core too. Exits non-zero with
// a message on the first failure.
//
// Environment:
//   VOUCH_OPT_OUT_URL   the link http://127.0.0.1:PORT/u/TOKEN (required; it is used)
//   CHROMIUM            browser binary (default /usr/bin/chromium)

import { createRequire } from 'node:module';
import { launchChromium, PHONE, TestFailure, check, fail } from './launch.mjs';

const require = createRequire(import.meta.url);

const URL_ = process.env.VOUCH_OPT_OUT_URL;
const AXE_PATH = require.resolve('axe-core/axe.min.js');

// Everything this script does takes seconds; a hang is a failure, not a reason to wait.
const ACTION_TIMEOUT_MS = 15_000;
const WATCHDOG_MS = 60_000;

function step(message) {
  console.log(`opt_out.mjs: ${message}`);
}

/// Fails on uncaught page errors; reports console errors and failed loads of the page's
/// own resources.
function watch(page) {
  page.on('pageerror', (e) => {
    console.error(`opt_out.mjs: uncaught error in the page: ${e.message}`);
    process.exitCode = 1;
  });
  page.on('console', (m) => {
    // Failed loads are reported below, by URL (the favicon is allowed to be missing).
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) {
      console.error(`opt_out.mjs: console error: ${m.text()}`);
    }
  });
  page.on('response', (r) => {
    const request = r.request();
    if (r.status() >= 400 && !request.isNavigationRequest() && !r.url().endsWith('/favicon.ico')) {
      console.error(`opt_out.mjs: ${request.resourceType()} ${r.url()} answered ${r.status()}`);
    }
  });
}

async function runAxe(page, label) {
  await page.addScriptTag({ path: AXE_PATH });
  const results = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { resultTypes: ['violations', 'incomplete'] }),
  );
  if (results.incomplete.length > 0) {
    const list = results.incomplete.map(
      (r) => `${r.id} [${r.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}]`,
    );
    step(`axe (${label}) needs review: ${list.join(', ')}`);
  }
  const violations = results.violations;
  for (const v of violations) {
    const targets = v.nodes.slice(0, 5).map((n) => n.target.join(' ')).join(' | ');
    console.log(
      `opt_out.mjs: axe (${label}) ${v.impact}: ${v.id}: ${v.help} [${v.nodes.length} node(s): ${targets}] ${v.helpUrl}`,
    );
  }
  check(
    violations.length === 0,
    `axe (${label}): ${violations.length} violation(s): ${violations.map((v) => v.id).join(', ')}`,
  );
  step(`axe (${label}): no violations`);
}

async function heading(page) {
  const h1 = page.locator('h1');
  await h1.first().waitFor({ state: 'visible' });
  return (await h1.first().innerText()).trim();
}

async function main() {
  check(URL_, 'VOUCH_OPT_OUT_URL is not set (a link http://127.0.0.1:PORT/u/TOKEN)');
  check(/\/u\/[^/]+$/.test(URL_), `VOUCH_OPT_OUT_URL ${URL_} is not a /u/{token} link`);
  const browser = await launchChromium();
  try {
    step(`chromium ${browser.version()}, ${URL_}`);
    // The Content-Security-Policy allows no inline script, and axe-core is injected as
    // one; this context bypasses the CSP for axe alone.
    const context = await browser.newContext({ ...PHONE, bypassCSP: true });
    context.setDefaultTimeout(ACTION_TIMEOUT_MS);
    context.setDefaultNavigationTimeout(ACTION_TIMEOUT_MS);
    const page = await context.newPage();
    watch(page);

    const res = await page.goto(URL_, { waitUntil: 'load' });
    check(res && res.status() === 200, `GET ${URL_} answered ${res && res.status()}, expected 200`);
    const title = await heading(page);
    step(`confirm page: "${title}"`);
    const button = page.getByRole('button', { name: "Don't ask me again" });
    check((await button.count()) === 1, 'no "Don\'t ask me again" button on the confirm page');
    await runAxe(page, 'confirm page');

    const posted = page.waitForResponse(
      (r) => r.request().method() === 'POST' && r.request().isNavigationRequest(),
    );
    await button.click();
    const answer = await posted;
    await page.waitForLoadState('load');
    check(answer.status() === 200, `the POST answered ${answer.status()}, expected 200`);
    const done = await heading(page);
    check(
      /you will not be asked again/i.test(done),
      `after the button the <h1> is ${JSON.stringify(done)}, expected "You will not be asked again"`,
    );
    step(`confirmation page: "${done}"`);
    await runAxe(page, 'confirmation page');
    await context.close();
  } finally {
    await browser.close();
  }
}

const watchdog = setTimeout(() => {
  console.error(`opt_out.mjs: FAIL: still running after ${WATCHDOG_MS / 1000}s`);
  process.exit(1);
}, WATCHDOG_MS);
watchdog.unref();

try {
  await main();
  if (process.exitCode) {
    console.error('opt_out.mjs: FAIL: the page threw an uncaught error (see above)');
  } else {
    console.log('opt_out.mjs: all scenarios passed');
  }
} catch (e) {
  const detail = e instanceof TestFailure ? e.message : (e && e.stack) || String(e);
  console.error(`opt_out.mjs: FAIL: ${detail}`);
  process.exitCode = 1;
}
