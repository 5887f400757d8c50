// What the browser tests share: Debian's chromium started headless (no browser download),
// with the background services that would reach the network turned off; a phone's
// screen; how a script says a check failed; the axe-core check of a page; and how a
// script runs its main function under a watchdog.

import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const AXE_PATH = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    // Playwright gives every launch a fresh temporary --user-data-dir of its own.
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

// A phone: the narrowest screen the pages must fit without sideways scrolling.
export const PHONE = {
  viewport: { width: 360, height: 740 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
};

// A failed check, told apart from a crash of the script itself.
export class TestFailure extends Error {}

export function fail(message) {
  throw new TestFailure(message);
}

export function check(condition, message) {
  if (!condition) fail(message);
}

// Runs axe-core on `page` (its context must bypass the CSP: axe is injected as a script)
// and fails on any violation, listing each; `script` and `label` name it in the output.
export async function expectNoAxeViolations(page, script, label) {
  await page.addScriptTag({ path: AXE_PATH });
  // eslint-disable-next-line no-undef
  const results = await page.evaluate(() => axe.run(document, { resultTypes: ['violations'] }));
  for (const v of results.violations) {
    const targets = v.nodes.slice(0, 5).map((n) => n.target.join(' ')).join(' | ');
    console.log(`${script}: axe (${label}) ${v.impact}: ${v.id}: ${v.help} [${targets}]`);
  }
  check(
    results.violations.length === 0,
    `${label}: axe found ${results.violations.length} violation(s): ${results.violations.map((v) => v.id).join(', ')}`,
  );
}

// Runs `main`, exiting non-zero with its message when a check fails (or with the error
// when the script itself breaks), and giving up after `watchdogMs`.
export function runMain(script, main, watchdogMs) {
  const watchdog = setTimeout(() => {
    console.error(`${script}: still running after ${watchdogMs / 1000} s; giving up`);
    process.exit(1);
  }, watchdogMs);
  main()
    .then(() => clearTimeout(watchdog))
    .catch((e) => {
      clearTimeout(watchdog);
      console.error(e instanceof TestFailure ? `${script}: ${e.message}` : e);
      process.exit(1);
    });
}

// Opens the questionnaire at `url` on a phone whose browser asks for `locale`, with the
// CSP bypassed (axe is injected as a script, which the pages' CSP would refuse); fails
// unless it answers 200 with the form. Returns the context and the page.
export async function openFormOnPhone(browser, locale, url, timeoutMs) {
  const context = await browser.newContext({ ...PHONE, locale, bypassCSP: true });
  context.setDefaultTimeout(timeoutMs);
  const page = await context.newPage();
  page.on('pageerror', (e) => fail(`${locale}: uncaught error in the page: ${e.message}`));
  const res = await page.goto(url, { waitUntil: 'load' });
  check(res && res.status() === 200, `${locale}: GET ${url} answered ${res && res.status()}`);
  await page.locator('form#questionnaire').waitFor({ state: 'visible' });
  return { context, page };
}
