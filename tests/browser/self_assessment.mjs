// Browser test of the provider's self-assessment (`/s/{token}`), run by tests/api/browser.rs.
//
// Drives Debian's chromium through playwright-core (no browser download) as the provider's
// contact on a phone would, with the page's Content-Security-Policy enforced: open the link
// from the request email, check accessibility with axe-core and that the statements speak
// in the first person ("We …"), grouped by dimension, on a 1–5 scale with "Does not apply";
// answer about half and "Save and finish later" (saved notice, answers kept); come back
// later in a fresh browser session (the answers are still there); answer a few more and
// send without consent (422, error summary whose links lead to the fields, axe again,
// answers kept); answer everything, agree and send (thank-you page); open the link again
// (409). Exits non-zero with a message on the first failure.
//
// Every statement is answered with a number (4 or 5), never "Does not apply", so the test
// that runs this can expect a self score on every dimension.
//
// Environment:
//   VOUCH_SELF_URL          self-assessment link http://127.0.0.1:PORT/s/TOKEN (required;
//                           it is submitted, so it cannot be reused)
//   VOUCH_EXPECT_STATEMENTS how many statements the form must show (optional)
//   VOUCH_EXPECT_GROUPS     how many dimension headings (optional)
//   VOUCH_SCREENSHOT_DIR    write self-assessment-phone.png there (optional)
//   VOUCH_SCREENSHOT_EXTRA=1  also write the error and thank-you pages (for reviewing)
//   CHROMIUM                browser binary (default /usr/bin/chromium)

import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { launchChromium, PHONE, TestFailure, check, fail } from './launch.mjs';

const require = createRequire(import.meta.url);

const SELF_URL = process.env.VOUCH_SELF_URL;
const SCREENSHOT_DIR = process.env.VOUCH_SCREENSHOT_DIR || '';
const SCREENSHOT_EXTRA = process.env.VOUCH_SCREENSHOT_EXTRA === '1';
// Evaluated through the DevTools protocol rather than added as a <script> (which the
// page's CSP would refuse), as staff.mjs does: so one context, CSP on, runs the whole
// save/resume/submit story and axe alike.
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

// Everything this script does takes seconds; a hang is a failure, not a reason to wait.
const ACTION_TIMEOUT_MS = 15_000;
const WATCHDOG_MS = 120_000;

// How many statements stay unanswered when sending without consent.
const LEFT_FOR_LAST = 3;

function step(message) {
  console.log(`self_assessment.mjs: ${message}`);
}

function optionalCount(name) {
  const raw = process.env[name];
  if (!raw) return null;
  const n = Number(raw);
  check(Number.isInteger(n) && n > 0, `${name}=${raw} is not a count`);
  return n;
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

/// Fails on uncaught page errors and on anything the CSP refused; reports other console
/// errors and failed loads of the page's own resources (a stylesheet, a script).
function watch(page, label) {
  page.on('pageerror', (e) => {
    console.error(`self_assessment.mjs: uncaught error in the page (${label}): ${e.message}`);
    process.exitCode = 1;
  });
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const text = m.text();
    if (/Content Security Policy/i.test(text)) {
      console.error(`self_assessment.mjs: the CSP refused something on ${page.url()} (${label}): ${text}`);
      process.exitCode = 1;
    } else if (!text.startsWith('Failed to load resource')) {
      // Failed loads are reported below, by URL; the 422 and 409 pages are expected.
      console.error(`self_assessment.mjs: console error (${label}): ${text}`);
    }
  });
  page.on('response', (r) => {
    const request = r.request();
    if (r.status() >= 400 && !request.isNavigationRequest() && !r.url().endsWith('/favicon.ico')) {
      console.error(`self_assessment.mjs: ${request.resourceType()} ${r.url()} answered ${r.status()} (${label})`);
      process.exitCode = 1;
    }
  });
}

/// GETs `url`, which must answer `expected`; for 200, waits for the form.
async function open(page, url, label, expected = 200) {
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
  check(res.status() === expected, `${label}: GET ${url} answered ${res.status()}, expected ${expected}`);
  if (expected === 200) await page.locator('form#questionnaire').waitFor({ state: 'visible' });
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
  await page.evaluate(AXE_SOURCE);
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
      `self_assessment.mjs: axe (${label}) ${v.impact}: ${v.id}: ${v.help} [${v.nodes.length} node(s): ${targets}] ${v.helpUrl}`,
    );
  }
  if (violations.length === 0) step(`axe (${label}): no violations`);
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  check(
    bad.length === 0,
    `axe (${label}): ${bad.length} serious or critical violation(s): ${bad.map((v) => v.id).join(', ')}`,
  );
}

/// The form's statements in page order: radio group name, its values, the legend, and the
/// dimension heading it sits under; plus what else the form holds.
async function statements(page) {
  return page.evaluate(() => {
    const form = document.querySelector('form#questionnaire');
    const out = [];
    let heading = null;
    for (const el of form.querySelectorAll('h2.group-title, fieldset.question')) {
      if (el.matches('h2')) {
        heading = (el.firstChild?.textContent ?? el.textContent).trim();
        continue;
      }
      const radios = [...el.querySelectorAll('input[type=radio][name^="q_"]')];
      out.push({
        id: el.id,
        name: radios[0]?.name ?? null,
        values: radios.map((r) => r.value),
        labels: radios.map((r) => (r.labels?.[0]?.textContent ?? '').replace(/\s+/g, ' ').trim()),
        legend: (el.querySelector('legend')?.textContent ?? '').replace(/\s+/g, ' ').trim(),
        heading,
      });
    }
    return {
      statements: out,
      headings: [...form.querySelectorAll('h2.group-title')].length,
      texts: form.querySelectorAll('textarea').length,
    };
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

/// The answers picked on the page, by group name.
async function picked(page) {
  return page.evaluate(() =>
    Object.fromEntries(
      [...document.querySelectorAll('form#questionnaire input[type=radio][name^="q_"]:checked')].map((el) => [
        el.name,
        el.value,
      ]),
    ),
  );
}

/// Fails unless exactly `expected` is picked on the page.
async function expectPicked(page, expected, label) {
  const now = await picked(page);
  const lost = Object.entries(expected)
    .filter(([name, value]) => now[name] !== value)
    .map(([name, value]) => `${name}=${value} (now ${now[name] ?? 'nothing'})`);
  check(lost.length === 0, `${label}: answers not kept: ${lost.join(', ')}`);
  const extra = Object.keys(now).filter((name) => !(name in expected));
  check(extra.length === 0, `${label}: answers picked that were never given: ${extra.join(', ')}`);
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

async function buttonText(page, action) {
  const button = page.locator(`form#questionnaire button[name=action][value=${action}]`);
  return (await button.innerText()).replace(/\s+/g, ' ').trim();
}

/// The fresh form: first person, grouped, likert with "Does not apply", the provider's
/// buttons and no referee extras. Returns the statements.
async function checkFreshForm(page) {
  const { statements: all, headings, texts } = await statements(page);
  const expectStatements = optionalCount('VOUCH_EXPECT_STATEMENTS');
  const expectGroups = optionalCount('VOUCH_EXPECT_GROUPS');
  check(all.length > 1, `the form shows ${all.length} statement(s)`);
  if (expectStatements !== null) {
    check(all.length === expectStatements, `the form shows ${all.length} statements, expected ${expectStatements}`);
  }
  check(texts === 0, `the self-assessment has ${texts} text box(es); it only rates statements`);
  check(headings > 1, `the statements are under ${headings} dimension heading(s)`);
  if (expectGroups !== null) {
    check(headings === expectGroups, `the form has ${headings} dimension headings, expected ${expectGroups}`);
  }
  const ungrouped = all.filter((s) => !s.heading).map((s) => s.id);
  check(ungrouped.length === 0, `statements before any dimension heading: ${ungrouped.join(', ')}`);

  const notLikert = all
    .filter((s) => !s.name || s.values.join(',') !== '1,2,3,4,5,na')
    .map((s) => `${s.id}: ${s.values.join(',')}`);
  check(notLikert.length === 0, `statements without the 1–5 and "na" scale: ${notLikert.join('; ')}`);
  const naLabels = [...new Set(all.map((s) => s.labels[s.values.indexOf('na')]))];
  check(
    naLabels.length === 1 && naLabels[0] === 'Does not apply',
    `the "na" choice reads ${JSON.stringify(naLabels)}, expected "Does not apply"`,
  );

  // First person: the provider speaks about its own firm, not "they".
  const firstPerson = (legend) => /^We /.test(legend) || / we /i.test(legend) || /\b(our|us)\b/i.test(legend);
  const third = all.filter((s) => !firstPerson(s.legend) || /^They\b/.test(s.legend));
  check(
    third.length === 0,
    `statements not in the first person (${third.length} of ${all.length}): ${third
      .slice(0, 4)
      .map((s) => JSON.stringify(s.legend))
      .join('; ')}`,
  );
  check(all.some((s) => /^We /.test(s.legend)), 'no statement starts with "We "');

  const send = await buttonText(page, 'submit');
  check(send === 'Send our self-assessment', `the send button reads ${JSON.stringify(send)}`);
  const save = await buttonText(page, 'save');
  check(save === 'Save and finish later', `the save button reads ${JSON.stringify(save)}`);
  check(
    (await page.locator('input[type=checkbox][name=consent]#consent').count()) === 1,
    'no <input type=checkbox name=consent id=consent>',
  );
  check(
    (await page.locator('a[href$="/decline"]').count()) === 0,
    'the self-assessment offers a referee\'s "Decline this request" link',
  );
  step(
    `${all.length} first-person statements under ${headings} headings, e.g. ${JSON.stringify(all[0].legend)} (${all[0].heading})`,
  );
  return all;
}

/// 4 or 5, never "na": every dimension gets a self score.
function answerFor(i) {
  return i % 3 === 0 ? '4' : '5';
}

async function run(browser, url) {
  let all;
  const given = {};

  // The link from the email, on a phone.
  let context = await newContext(browser, PHONE);
  try {
    const page = await context.newPage();
    watch(page, 'first visit');
    await open(page, url, 'first visit');
    const title = await page.title();
    check(/self-assessment/i.test(title), `the page title is ${JSON.stringify(title)}, expected a self-assessment`);
    await noHorizontalOverflow(page, 'fresh self-assessment');
    all = await checkFreshForm(page);
    await runAxe(page, 'fresh self-assessment');

    // About half, then "Save and finish later".
    const half = Math.ceil(all.length / 2);
    for (const [i, s] of all.slice(0, half).entries()) {
      given[s.name] = answerFor(i);
      await choose(page, s.name, given[s.name]);
    }
    const saved = await submitWith(page, 'save');
    check(saved.status() === 303, `saving answered ${saved.status()}, expected 303 to ?saved=1`);
    await page.waitForURL(`${url}?saved=1`);
    const notice = page.locator('.notice[role=status]');
    check((await notice.count()) === 1, `no saved notice (.notice[role=status]) on ${page.url()}`);
    const said = (await notice.innerText()).replace(/\s+/g, ' ').trim();
    check(/your answers are saved/i.test(said), `the notice says ${JSON.stringify(said)}`);
    await expectPicked(page, given, 'after saving');
    step(`saved ${half} of ${all.length} answers: "${said}"`);
    await noHorizontalOverflow(page, 'saved self-assessment');
    await screenshot(page, 'self-assessment-phone.png');
  } finally {
    await context.close();
  }

  // Later, in a fresh browser session (nothing the browser could restore by itself): the
  // same link shows the saved answers.
  context = await newContext(browser, PHONE);
  try {
    const page = await context.newPage();
    watch(page, 'resume');
    await open(page, url, 'resume');
    await expectPicked(page, given, 'on coming back');
    check(
      (await page.locator('.notice[role=status]').count()) === 0,
      'coming back without ?saved=1 still shows the saved notice',
    );
    step(`resumed with ${Object.keys(given).length} answers kept`);

    // A few more, and send without agreeing (and with some statements left).
    const left = all.slice(all.length - LEFT_FOR_LAST);
    for (const [i, s] of all.slice(0, all.length - LEFT_FOR_LAST).entries()) {
      if (s.name in given) continue;
      given[s.name] = answerFor(i);
      await choose(page, s.name, given[s.name]);
    }
    check(
      !(await page.locator('input#consent').isChecked()),
      'the consent box is ticked before the provider ticked it',
    );
    const rejected = await submitWith(page, 'submit');
    check(
      rejected.status() === 422,
      `sending without consent answered ${rejected.status()}, expected 422 (now at ${page.url()})`,
    );
    check(page.url() === url, `after the 422 the page is ${page.url()}, expected ${url}`);
    const summary = page.locator('.error-summary[role=alert]');
    await summary.waitFor({ state: 'visible' });
    // Reported, not required: the page has no script to move focus to the summary, which
    // is announced through role=alert instead.
    const focusOnLoad = await page.evaluate(() => {
      const el = document.activeElement;
      return el === document.body ? 'the page' : `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${el.className ? '.' + el.className : ''}`;
    });
    step(`on the 422 page the focus is on ${focusOnLoad}`);
    const links = await summary.locator('a').evaluateAll((as) =>
      as.map((a) => ({ href: a.getAttribute('href'), text: a.textContent.replace(/\s+/g, ' ').trim() })),
    );
    const anchors = links.map((l) => l.href).sort();
    const expected = ['#field-consent', ...left.map((s) => `#${s.id}`)].sort();
    check(
      JSON.stringify(anchors) === JSON.stringify(expected),
      `the error summary links to ${anchors.join(', ')}, expected ${expected.join(', ')}`,
    );
    const consentError = page.locator('#field-consent p.field-error#error-consent');
    check(
      (await consentError.count()) === 1 && (await consentError.isVisible()),
      'no visible <p class="field-error" id="error-consent"> in #field-consent',
    );
    const consentMessage = (await consentError.innerText()).trim();
    check(consentMessage.length > 0, 'the consent error is empty');
    const describedBy = (await page.locator('input#consent').getAttribute('aria-describedby')) || '';
    check(describedBy.split(/\s+/).includes('error-consent'), `the consent box is not described by its error (${describedBy})`);
    for (const s of left) {
      const error = page.locator(`fieldset#${s.id} p.field-error`);
      check((await error.count()) === 1 && (await error.isVisible()), `no visible error in the unanswered ${s.id}`);
    }
    const errors = await page.locator('p.field-error').count();
    check(errors === LEFT_FOR_LAST + 1, `expected ${LEFT_FOR_LAST + 1} field errors, found ${errors}`);
    await expectPicked(page, given, 'after the 422');
    check(!(await page.locator('input#consent').isChecked()), 'the consent box is ticked after the 422');
    step(`422: ${links.length} errors in the summary, consent "${consentMessage}", answers kept`);

    // The summary's link leads to the consent box: the page scrolls there, and the next
    // Tab lands on the checkbox (the fragment is where keyboard navigation starts).
    const toConsent = summary.locator('a[href="#field-consent"]');
    await toConsent.click();
    await page.waitForURL(`${url}#field-consent`);
    const target = await page.evaluate(() => document.querySelector(':target')?.id ?? null);
    check(target === 'field-consent', `after following the summary's link, :target is ${target}`);
    check(await page.locator('input#consent').isVisible(), 'the consent box is not visible after the link');
    const inView = await page.locator('#field-consent').evaluate((el) => {
      const b = el.getBoundingClientRect();
      return b.top < window.innerHeight && b.bottom > 0;
    });
    check(inView, 'following the summary\'s link did not scroll the consent box into view');
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => document.activeElement?.id || document.activeElement?.tagName);
    check(focused === 'consent', `Tab after the summary's link focuses ${focused}, expected the consent box`);
    step('the summary\'s link scrolls to the consent box and Tab focuses it');
    // The first error link too, to a statement.
    const first = left[0];
    await summary.locator(`a[href="#${first.id}"]`).click();
    await page.waitForURL(`${url}#${first.id}`);
    await page.keyboard.press('Tab');
    const focusedRadio = await page.evaluate(() => document.activeElement?.name ?? null);
    check(focusedRadio === first.name, `Tab after the link to ${first.id} focuses ${focusedRadio}, expected ${first.name}`);

    await noHorizontalOverflow(page, 'self-assessment with errors');
    await runAxe(page, 'self-assessment with errors');
    if (SCREENSHOT_EXTRA) await screenshot(page, 'self-assessment-phone-errors.png');

    // Everything answered, agreed, sent.
    for (const [i, s] of all.entries()) {
      if (s.name in given) continue;
      given[s.name] = answerFor(i);
      await choose(page, s.name, given[s.name]);
    }
    await page.locator('input[type=checkbox][name=consent]#consent').check();
    await expectPicked(page, given, 'before sending');
    const accepted = await submitWith(page, 'submit');
    check(
      accepted.status() === 303,
      `the complete self-assessment answered ${accepted.status()}, expected 303 to /done`,
    );
    await page.waitForURL(`${url}/done`);
    const heading = page.locator('h1');
    await heading.first().waitFor({ state: 'visible' });
    const done = await heading.first().innerText();
    check(/thank you/i.test(done), `the done page's <h1> is ${JSON.stringify(done)}, expected "Thank you"`);
    step(`sent ${Object.keys(given).length} answers; ${page.url()} shows "${done.trim()}"`);
    if (SCREENSHOT_EXTRA) await screenshot(page, 'self-assessment-done-phone.png');

    // The link has done its work.
    await open(page, url, 'second visit', 409);
    const again = (await page.locator('h1').first().innerText()).trim();
    check(again.length > 0, 'the 409 page has no heading');
    check(
      (await page.locator('form#questionnaire').count()) === 0,
      'the link still shows the form after sending',
    );
    step(`a second visit answers 409: "${again}"`);
  } finally {
    await context.close();
  }
}

async function main() {
  check(SELF_URL, 'VOUCH_SELF_URL is not set (a self-assessment link http://127.0.0.1:PORT/s/TOKEN)');
  check(/\/s\/[^/?#]+$/.test(SELF_URL), `VOUCH_SELF_URL ${SELF_URL} is not a /s/{token} link`);
  const browser = await launchChromium();
  try {
    step(`chromium ${browser.version()}, form ${SELF_URL}`);
    await run(browser, SELF_URL);
  } finally {
    await browser.close();
  }
}

const watchdog = setTimeout(() => {
  console.error(`self_assessment.mjs: FAIL: still running after ${WATCHDOG_MS / 1000}s`);
  process.exit(1);
}, WATCHDOG_MS);
watchdog.unref();

try {
  await main();
  if (process.exitCode) {
    console.error('self_assessment.mjs: FAIL: see the errors above');
  } else {
    console.log('self_assessment.mjs: all steps passed');
  }
} catch (e) {
  const detail = e instanceof TestFailure ? e.message : (e && e.stack) || String(e);
  console.error(`self_assessment.mjs: FAIL: ${detail}`);
  process.exitCode = 1;
}
