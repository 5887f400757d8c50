// Browser test of the referee questionnaire (`/r/{token}`), run by tests/api/browser.rs.
//
// Drives Debian's chromium through playwright-core (no browser download) as a referee
// on a phone would: open the link from the invitation, check accessibility with axe-core,
// submit with a required answer missing (422, error next to the field, answers kept),
// answer it and submit again (thank-you page). Exits non-zero with a message on the
// first failure.
//
// Environment:
//   VOUCH_FORM_URL         referee link http://127.0.0.1:PORT/r/TOKEN (required; it is
//                          submitted, so it cannot be reused)
//   VOUCH_FORM_URL_2       a second, fresh link for the desktop screenshot (optional)
//   VOUCH_SCREENSHOT_DIR   write form-phone.png and form-desktop.png there (optional)
//   VOUCH_SCREENSHOT_EXTRA=1  also write the error and thank-you pages (for reviewing)
//   VOUCH_CONCERNS_TEXT    what the referee types under concerns (optional)
//   CHROMIUM               browser binary (default /usr/bin/chromium)

import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { launchChromium, PHONE, TestFailure, check, fail } from './launch.mjs';

const require = createRequire(import.meta.url);

const FORM_URL = process.env.VOUCH_FORM_URL;
const FORM_URL_2 = process.env.VOUCH_FORM_URL_2 || '';
const SCREENSHOT_DIR = process.env.VOUCH_SCREENSHOT_DIR || '';
const SCREENSHOT_EXTRA = process.env.VOUCH_SCREENSHOT_EXTRA === '1';
const AXE_PATH = require.resolve('axe-core/axe.min.js');

// The required likert question the referee "forgets" in scenario b.
const MISSING_KEY = 'dedication_success';
// The test that runs this script passes its own text, to find it in the database after.
const CONCERNS_TEXT =
  process.env.VOUCH_CONCERNS_TEXT || 'Invoices arrived late twice in Q3 (ref #4711), but they owned it.';
const STRENGTHS_TEXT = 'Clear monthly reporting and a named partner who answers the phone.';

// Everything this script does takes seconds; a hang is a failure, not a reason to wait.
const ACTION_TIMEOUT_MS = 15_000;
const WATCHDOG_MS = 120_000;

const DESKTOP = { viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 };

function step(message) {
  console.log(`referee.mjs: ${message}`);
}

async function newContext(browser, options) {
  const context = await browser.newContext(options);
  context.setDefaultTimeout(ACTION_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(ACTION_TIMEOUT_MS);
  return context;
}

async function screenshot(page, name) {
  if (!SCREENSHOT_DIR) return;
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, name);
  await page.screenshot({ path: file, fullPage: true });
  step(`wrote ${file}`);
}

/// Fails on uncaught page errors; reports console errors (a CSP refusal shows up there)
/// and failed loads of the page's own resources (a stylesheet, a script).
function watch(page, label) {
  page.on('pageerror', (e) => {
    console.error(`referee.mjs: uncaught error in the page (${label}): ${e.message}`);
    process.exitCode = 1;
  });
  page.on('console', (m) => {
    // Failed loads are reported below, by URL; the 422 page itself is expected.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) {
      console.error(`referee.mjs: console error (${label}): ${m.text()}`);
    }
  });
  page.on('response', (r) => {
    const request = r.request();
    if (r.status() >= 400 && !request.isNavigationRequest() && !r.url().endsWith('/favicon.ico')) {
      console.error(`referee.mjs: ${request.resourceType()} ${r.url()} answered ${r.status()} (${label})`);
    }
  });
}

async function open(page, url, label) {
  let res;
  try {
    res = await page.goto(url, { waitUntil: 'load' });
  } catch (e) {
    // Chromium turns an error status with an empty body into a network error; say which.
    const status = await page.request
      .get(url)
      .then((r) => r.status())
      .catch(() => 'no answer');
    fail(`${label}: GET ${url} failed (${status}): ${e.message.split('\n')[0]}`);
  }
  check(res, `${label}: no response for ${url}`);
  check(res.status() === 200, `${label}: GET ${url} answered ${res.status()}, expected 200`);
  await page.locator('form#questionnaire').waitFor({ state: 'visible' });
  return res;
}

async function noHorizontalOverflow(page, label) {
  const { scroll, client, wide } = await page.evaluate(() => {
    const root = document.documentElement;
    const wide = [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > root.clientWidth + 1)
      .slice(0, 5)
      .map((el) => `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : ''}`);
    return { scroll: root.scrollWidth, client: root.clientWidth, wide };
  });
  check(
    scroll <= client,
    `${label}: the page scrolls sideways (${scroll}px wide in a ${client}px viewport); too wide: ${wide.join(', ')}`,
  );
}

async function runAxe(page, label) {
  await page.addScriptTag({ path: AXE_PATH });
  const results = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { resultTypes: ['violations', 'incomplete'] }),
  );
  const violations = results.violations;
  // What axe could not decide (e.g. contrast over a background image): for a person to look at.
  if (results.incomplete.length > 0) {
    const list = results.incomplete.map(
      (r) => `${r.id} [${r.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}]`,
    );
    step(`axe (${label}) needs review: ${list.join(', ')}`);
  }
  for (const v of violations) {
    const targets = v.nodes.slice(0, 5).map((n) => n.target.join(' ')).join(' | ');
    console.log(
      `referee.mjs: axe (${label}) ${v.impact}: ${v.id}: ${v.help} [${v.nodes.length} node(s): ${targets}] ${v.helpUrl}`,
    );
  }
  if (violations.length === 0) step(`axe (${label}): no violations`);
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  check(
    bad.length === 0,
    `axe (${label}): ${bad.length} serious or critical violation(s): ${bad.map((v) => v.id).join(', ')}`,
  );
}

/// The names of the radio groups and textareas of the questionnaire, by input name.
async function questions(page) {
  return page.evaluate(() => {
    const form = document.querySelector('form#questionnaire');
    const radios = {};
    for (const el of form.querySelectorAll('input[type=radio][name^="q_"]')) {
      (radios[el.name] ||= []).push(el.value);
    }
    const texts = [...form.querySelectorAll('textarea[name^="q_"]')].map((el) => el.name);
    return { radios, texts };
  });
}

/// Picks a radio answer. A radio the page hides for custom styling is picked through its
/// label, as a person would.
async function choose(page, name, value) {
  const input = page.locator(`form#questionnaire input[type=radio][name="${name}"][value="${value}"]`);
  check((await input.count()) === 1, `no radio ${name}=${value}`);
  if (await input.isVisible()) {
    await input.check();
  } else {
    const label = (await input.evaluateHandle((el) => el.labels?.[0] ?? null)).asElement();
    check(label, `radio ${name}=${value} is hidden and has no label to click`);
    await label.click();
    check(await input.isChecked(), `clicking the label of ${name}=${value} did not pick it`);
  }
}

/// The answer given to each radio group: likert varies between 4 and 5, yes_no is yes.
function answerFor(name, values, i) {
  if (values.includes('yes')) return 'yes';
  if (values.includes('5')) return i % 2 === 0 ? '4' : '5';
  return values[0];
}

/// Clicks a submit button and returns the response of the form POST (before redirects).
async function submitWith(page, action) {
  const button = page.locator(`form#questionnaire button[type=submit][name=action][value=${action}]`);
  check((await button.count()) === 1, `no <button type=submit name=action value=${action}>`);
  const posted = page.waitForResponse(
    (r) => r.request().method() === 'POST' && r.request().isNavigationRequest(),
  );
  await button.click();
  const res = await posted;
  await page.waitForLoadState('load');
  return res;
}

async function axeScenario(browser, url) {
  // The page's Content-Security-Policy allows no inline script, and addScriptTag({path})
  // injects axe-core as an inline <script>, which the CSP would block. This context alone
  // bypasses the CSP so axe can run; every other scenario runs with the CSP enforced, so
  // the page is still tested as a referee's browser sees it.
  const context = await newContext(browser, { ...PHONE, bypassCSP: true });
  try {
    const page = await context.newPage();
    watch(page, 'axe');
    await open(page, url, 'axe');
    await runAxe(page, 'fresh form');
    // The error state too: submit with nothing answered (the browser's own validation is
    // turned off, so the server's 422 page is what axe sees).
    await page.evaluate(() => {
      document.querySelector('form#questionnaire').noValidate = true;
    });
    const res = await submitWith(page, 'submit');
    check(res.status() === 422, `axe: an empty submission answered ${res.status()}, expected 422`);
    await runAxe(page, 'form with errors');
  } finally {
    await context.close();
  }
}

async function phoneScenario(browser, url) {
  const context = await newContext(browser, PHONE);
  try {
    const page = await context.newPage();
    watch(page, 'phone');
    await open(page, url, 'phone');
    await noHorizontalOverflow(page, 'phone form');
    await screenshot(page, 'form-phone.png');

    // b. Everything answered but one required likert question.
    const { radios, texts } = await questions(page);
    const missing = `q_${MISSING_KEY}`;
    check(radios[missing], `the form has no radio group ${missing}; groups: ${Object.keys(radios).join(', ')}`);
    check(texts.includes('q_concerns'), 'the form has no <textarea name="q_concerns">');
    check(
      radios[missing].includes('na') && radios[missing].includes('1') && radios[missing].includes('5'),
      `${missing} is not a likert group (1..5 and na): ${radios[missing].join(', ')}`,
    );
    const given = {};
    Object.entries(radios).forEach(([name, values], i) => {
      if (name !== missing) given[name] = answerFor(name, values, i);
    });
    for (const [name, value] of Object.entries(given)) await choose(page, name, value);
    if (texts.includes('q_strengths')) {
      await page.locator('form#questionnaire textarea[name="q_strengths"]').fill(STRENGTHS_TEXT);
    }
    await page.locator('form#questionnaire textarea[name="q_concerns"]').fill(CONCERNS_TEXT);
    await page.locator('input[type=checkbox][name=consent]#consent').check();

    // A page may also mark the question `required`; then the browser stops the submission
    // first. Check it does, then submit without it, as a browser without constraint
    // validation would, so the server's own check is what is tested.
    const requiredInBrowser = await page
      .locator(`input[name="${missing}"][required]`)
      .count();
    if (requiredInBrowser > 0) {
      const valid = await page.evaluate(() => document.querySelector('form#questionnaire').checkValidity());
      check(!valid, `${missing} is marked required but the browser finds the form valid`);
      await page.evaluate(() => {
        document.querySelector('form#questionnaire').noValidate = true;
      });
      step(`${missing} is required in the browser too; submitting past it to test the server`);
    }

    const rejected = await submitWith(page, 'submit');
    check(
      rejected.status() === 422,
      `submitting without ${missing} answered ${rejected.status()}, expected 422 (now at ${page.url()})`,
    );
    check(page.url() === url, `after the 422 the page is ${page.url()}, expected ${url}`);
    await page.locator('.error-summary[role=alert]').waitFor({ state: 'visible' });
    const error = page.locator(`fieldset#field-${MISSING_KEY} p.field-error#error-${MISSING_KEY}`);
    check(
      (await error.count()) === 1,
      `no <p class="field-error" id="error-${MISSING_KEY}"> inside <fieldset id="field-${MISSING_KEY}">`,
    );
    check(await error.isVisible(), `the error next to ${MISSING_KEY} is not visible`);
    const message = (await error.innerText()).trim();
    check(message.length > 0, `the error next to ${MISSING_KEY} is empty`);
    step(`422 with "${message}" next to ${MISSING_KEY}`);
    const others = await page.locator('p.field-error').count();
    check(others === 1, `expected one field error, found ${others}`);
    const kept = await page.locator('form#questionnaire textarea[name="q_concerns"]').inputValue();
    check(kept === CONCERNS_TEXT, `the concerns text was not kept: got ${JSON.stringify(kept)}`);
    const lost = [];
    for (const [name, value] of Object.entries(given)) {
      const picked = page.locator(`form#questionnaire input[type=radio][name="${name}"][value="${value}"]`);
      if (!(await picked.isChecked())) lost.push(`${name}=${value}`);
    }
    check(lost.length === 0, `answers not kept after the 422: ${lost.join(', ')}`);
    await noHorizontalOverflow(page, 'phone form with errors');
    if (SCREENSHOT_EXTRA) await screenshot(page, 'form-phone-errors.png');

    // c. Answer the missing question and submit again.
    await choose(page, missing, '4');
    await page.locator('input[type=checkbox][name=consent]#consent').check();
    const accepted = await submitWith(page, 'submit');
    check(
      accepted.status() === 303,
      `the complete submission answered ${accepted.status()}, expected 303 to /done`,
    );
    await page.waitForURL(`${url}/done`);
    const heading = page.locator('h1');
    await heading.first().waitFor({ state: 'visible' });
    const title = await heading.first().innerText();
    check(/thank you/i.test(title), `the done page's <h1> is ${JSON.stringify(title)}, expected "Thank you"`);
    step(`submitted; ${page.url()} shows "${title.trim()}"`);
    if (SCREENSHOT_EXTRA) await screenshot(page, 'done-phone.png');
  } finally {
    await context.close();
  }
}

async function desktopScenario(browser, url) {
  const context = await newContext(browser, DESKTOP);
  try {
    const page = await context.newPage();
    watch(page, 'desktop');
    await open(page, url, 'desktop');
    await noHorizontalOverflow(page, 'desktop form');
    await screenshot(page, 'form-desktop.png');
  } finally {
    await context.close();
  }
}

async function main() {
  check(FORM_URL, 'VOUCH_FORM_URL is not set (a referee link http://127.0.0.1:PORT/r/TOKEN)');
  check(/\/r\/[^/]+$/.test(FORM_URL), `VOUCH_FORM_URL ${FORM_URL} is not a /r/{token} link`);
  const browser = await launchChromium();
  try {
    step(`chromium ${browser.version()}, form ${FORM_URL}`);
    await axeScenario(browser, FORM_URL);
    step('a. axe: no serious or critical violations');
    await phoneScenario(browser, FORM_URL);
    step('b, c. phone: 422 with the error next to the field and answers kept, then thank-you page');
    if (FORM_URL_2) {
      await desktopScenario(browser, FORM_URL_2);
      step('d. desktop: fresh form rendered');
    } else {
      step('d. desktop: skipped (VOUCH_FORM_URL_2 not set)');
    }
  } finally {
    await browser.close();
  }
}

const watchdog = setTimeout(() => {
  console.error(`referee.mjs: FAIL: still running after ${WATCHDOG_MS / 1000}s`);
  process.exit(1);
}, WATCHDOG_MS);
watchdog.unref();

try {
  await main();
  if (process.exitCode) {
    console.error('referee.mjs: FAIL: the page threw an uncaught error (see above)');
  } else {
    console.log('referee.mjs: all scenarios passed');
  }
} catch (e) {
  const detail = e instanceof TestFailure ? e.message : (e && e.stack) || String(e);
  console.error(`referee.mjs: FAIL: ${detail}`);
  process.exitCode = 1;
}
