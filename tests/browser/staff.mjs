// Browser test of the staff web UI (`/ui`), run by tests/api/browser.rs in two stages,
// with the job queue and the referees' answers in between (the Rust side does those).
//
// Drives Debian's chromium through playwright-core (no browser download), desktop-sized,
// with the pages' Content-Security-Policy enforced (a refused stylesheet or script fails
// the test). axe-core checks each page it names below; any violation is printed, and a
// serious or critical one fails the test. Exits non-zero with a message on the first
// failure.
//
//   stage ops: /ui sends a stranger to the sign-in page; the ops lead signs in, adds a
//     provider, lands on the new-case form with it preselected, opens a case, adds three
//     references (each listed as "Not invited yet"), launches (flash, "Collecting") and
//     requests the provider's self-assessment (flash, "Requested" under Self-assessment).
//     Prints `CASE_ID=<uuid>` on stdout. axe: sign-in, cases list, new provider, new case,
//     case page.
//   stage hr: the HR reviewer signs in, finds the case under Review, reads the report (the
//     SVG chart against the counts the Rust side expects, with a diamond per dimension the
//     provider rated itself on and a Self column in the table, the alignment score, the
//     recommendation, the print stylesheet), submits the decision without a rationale
//     (422, error beside the field, choice kept), then with one, and lands on the case page
//     with the decision shown and the case "Decided". axe: review, report, the 422 report.
//
// Environment:
//   stage hidden: the HR reviewer reads the report of a case with fewer complete responses
//     than report.min_responses_for_detail: no referee dots, no quoted comments, the
//     reason said. axe: that report.
//   stage engagement: the HR reviewer opens Engagements from the menu, finds the engagement
//     under "Drifting below", opens it and reads its completed pulse: the chart (a pulse
//     mark, a pre-hire dot and interval per dimension, the rows below the prediction
//     marked and named, every mark inside the SVG, every name whole) and the table. No
//     sideways scroll on a desktop or a phone. axe: the list and the engagement page.
//
//   stage calibration: the HR reviewer opens Calibration from the menu: the count of
//     engagements with a finished pulse, one scatter plot for the alignment score and one
//     per dimension (each an image with a title and a description, the diagonal, a point
//     per engagement inside the plot), each with its r in words. No sideways scroll on a
//     desktop or a phone. Then one provider's page from the list: its history and the
//     chart of its decided case and pulse. Then Responses from the menu: its charts are
//     named, nothing scrolls sideways, print drops the period form. axe: the calibration
//     page, the responses page (desktop and phone), the provider page.
//
//   VOUCH_STAGE            ops | hr | hidden | engagement | calibration (required)
//   VOUCH_BASE_URL         http://127.0.0.1:PORT (required)
//   VOUCH_PASSWORD         the password of both staff users (required)
//   VOUCH_OPS_EMAIL        the ops lead (stage ops)
//   VOUCH_CASE_TITLE       the title typed into the new-case form (stage ops), looked for
//                          on the review page (stage hr)
//   VOUCH_REFEREES         JSON list of {name, email, company, relationship} (stage ops)
//   VOUCH_HR_EMAIL         the HR reviewer (stage hr)
//   VOUCH_CASE_ID          the case from stage ops (stage hr)
//   VOUCH_RATIONALE        the decision's rationale (stage hr)
//   VOUCH_EXPECT_DIMENSIONS, VOUCH_EXPECT_SCORED, VOUCH_EXPECT_INTERVALS,
//   VOUCH_EXPECT_REFEREE_DOTS, VOUCH_EXPECT_SELF_MARKS
//                          what the chart must show, from the engine's report (stage hr)
//   VOUCH_ENGAGEMENT_ID    the engagement with a completed pulse (stage engagement)
//   VOUCH_EXPECT_DIMENSIONS, VOUCH_EXPECT_BELOW
//                          its pulse's dimensions, and how many are below (stage engagement)
//   VOUCH_EXPECT_ENGAGEMENTS, VOUCH_EXPECT_PLOTS, VOUCH_EXPECT_POINTS
//                          engagements with a finished pulse, plots and points in all, from
//                          the engine's calibration (stage calibration)
//   VOUCH_PROVIDER_ID      a provider with one approved case and a finished pulse (stage
//                          calibration)
//   VOUCH_SCREENSHOT_DIR   write case-page.png and report.png there (stage hr),
//                          engagement.png (stage engagement) and calibration.png (stage
//                          calibration; optional)
//   VOUCH_SCREENSHOT_EXTRA=1  also write login, case-launched, review, report-print and
//                          case-decided (for reviewing; optional)
//   CHROMIUM               browser binary (default /usr/bin/chromium)

import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { launchChromium, TestFailure, check, fail } from './launch.mjs';

const require = createRequire(import.meta.url);

const STAGE = process.env.VOUCH_STAGE || '';
const BASE = (process.env.VOUCH_BASE_URL || '').replace(/\/+$/, '');
const PASSWORD = process.env.VOUCH_PASSWORD || '';
const SCREENSHOT_DIR = process.env.VOUCH_SCREENSHOT_DIR || '';
const SCREENSHOT_EXTRA = process.env.VOUCH_SCREENSHOT_EXTRA === '1';
// Evaluated through the DevTools protocol rather than added as a <script>, which the
// pages' CSP (no script-src) would refuse: so the CSP stays on for everything else.
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

// What the ops lead types into the provider form.
const PROVIDER = {
  name: 'Northwind Ledger Partners',
  category: 'accounting',
  website: 'https://northwind-ledger.example',
  contact_name: 'Nora North',
  contact_email: 'nora@northwind-ledger.example',
};

// Everything this script does takes seconds; a hang is a failure, not a reason to wait.
const ACTION_TIMEOUT_MS = 15_000;
const WATCHDOG_MS = 150_000;

const DESKTOP = { viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 };

function step(message) {
  console.log(`staff.mjs [${STAGE}]: ${message}`);
}

function env(name) {
  const value = process.env[name];
  check(value, `${name} is not set`);
  return value;
}

function envNumber(name) {
  const n = Number(env(name));
  check(Number.isInteger(n) && n >= 0, `${name}=${process.env[name]} is not a count`);
  return n;
}

async function screenshot(page, name, extra = false) {
  if (!SCREENSHOT_DIR || (extra && !SCREENSHOT_EXTRA)) return;
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, name);
  await page.screenshot({ path: file, fullPage: true });
  step(`wrote ${file}`);
}

/// Fails on uncaught page errors and on anything the CSP refused; reports other console
/// errors and failed loads of the page's own resources (a stylesheet, an image).
function watch(page) {
  page.on('pageerror', (e) => {
    console.error(`staff.mjs: uncaught error in the page: ${e.message}`);
    process.exitCode = 1;
  });
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const text = m.text();
    if (/Content Security Policy/i.test(text)) {
      console.error(`staff.mjs: the CSP refused something on ${page.url()}: ${text}`);
      process.exitCode = 1;
    } else if (!text.startsWith('Failed to load resource')) {
      console.error(`staff.mjs: console error on ${page.url()}: ${text}`);
    }
  });
  page.on('response', (r) => {
    const request = r.request();
    if (r.status() >= 400 && !request.isNavigationRequest() && !r.url().endsWith('/favicon.ico')) {
      console.error(`staff.mjs: ${request.resourceType()} ${r.url()} answered ${r.status()}`);
      process.exitCode = 1;
    }
  });
}

/// GETs a page that must answer 200 (after redirects) and returns the response.
async function open(page, url, label) {
  let res;
  try {
    res = await page.goto(url, { waitUntil: 'load' });
  } catch (e) {
    fail(`${label}: GET ${url} failed: ${e.message.split('\n')[0]}`);
  }
  check(res, `${label}: no response for ${url}`);
  check(res.status() === 200, `${label}: GET ${url} answered ${res.status()}, expected 200`);
  return res;
}

/// Clicks a submit button and waits for the page it leads to. Returns the status of the
/// form POST itself (303 on success, 422 for a rejected form) and the final URL.
async function submit(page, button, label) {
  check((await button.count()) === 1, `${label}: expected one button, found ${await button.count()}`);
  const posted = page.waitForResponse(
    (r) => r.request().method() === 'POST' && r.request().isNavigationRequest(),
  );
  // waitForNavigation (not waitForURL) because some forms lead back to the page they
  // are on, whose URL already matches.
  const [post] = await Promise.all([posted, page.waitForNavigation({ waitUntil: 'load' }), button.click()]);
  return { status: post.status(), url: new URL(page.url()) };
}

/// Every axe violation found so far, for the summary at the end.
const axeSeen = [];

async function runAxe(page, label) {
  await page.evaluate(AXE_SOURCE);
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
  for (const v of results.violations) {
    const targets = v.nodes.slice(0, 5).map((n) => n.target.join(' ')).join(' | ');
    console.log(
      `staff.mjs: axe (${label}) ${v.impact}: ${v.id}: ${v.help} [${v.nodes.length} node(s): ${targets}] ${v.helpUrl}`,
    );
    axeSeen.push(`${label}: ${v.impact} ${v.id}`);
  }
  if (results.violations.length === 0) step(`axe (${label}): no violations`);
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  check(
    bad.length === 0,
    `axe (${label}): ${bad.length} serious or critical violation(s): ${bad.map((v) => v.id).join(', ')}`,
  );
}

async function noHorizontalOverflow(page, label) {
  const { scroll, client } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
  }));
  check(scroll <= client, `${label}: the page scrolls sideways (${scroll}px wide in ${client}px)`);
}

async function text(locator) {
  return (await locator.innerText()).replace(/\s+/g, ' ').trim();
}

/// The flash message of the page, which must say `expected`.
async function expectFlash(page, expected, label) {
  const flash = page.locator('main .notice[role=status]');
  check((await flash.count()) === 1, `${label}: no flash message on ${page.url()}`);
  const said = await text(flash);
  check(expected.test(said), `${label}: the flash says ${JSON.stringify(said)}, expected ${expected}`);
  step(`${label}: flash "${said}"`);
}

/// The badge of the case's self-assessment, in the case facts.
async function expectSelfAssessmentBadge(page, expected, label) {
  const badge = page.locator('dl.facts dt:text-is("Self-assessment") + dd .badge');
  check((await badge.count()) === 1, `${label}: no badge under "Self-assessment" on ${page.url()}`);
  const said = await text(badge);
  check(said === expected, `${label}: the self-assessment badge reads ${JSON.stringify(said)}, expected "${expected}"`);
}

/// The status badge next to the case's title.
async function expectCaseBadge(page, expected, label) {
  const badge = page.locator('h1 .badge');
  check((await badge.count()) === 1, `${label}: no status badge in the <h1> on ${page.url()}`);
  const said = await text(badge);
  check(said === expected, `${label}: the status badge reads ${JSON.stringify(said)}, expected "${expected}"`);
}

async function signIn(page, email, expectedPath) {
  // A stranger asking for /ui is sent to sign in, and comes back afterwards.
  const res = await open(page, `${BASE}/ui`, 'sign-in');
  const url = new URL(page.url());
  check(url.pathname === '/ui/login', `GET /ui without a session ended at ${page.url()}, expected /ui/login`);
  check(url.searchParams.get('next') === '/ui', `the sign-in page lost where to return: ${page.url()}`);
  check(res.request().redirectedFrom(), 'GET /ui was not redirected to the sign-in page');
  check(/sign in/i.test(await text(page.locator('h1'))), 'the sign-in page has no "Sign in" heading');
  await page.locator('input#email').fill(email);
  await page.locator('input#password').fill(PASSWORD);
  const { status, url: landed } = await submit(page, page.getByRole('button', { name: 'Sign in' }), 'sign-in');
  check(status === 303, `signing in as ${email} answered ${status}, expected 303 (at ${page.url()})`);
  check(landed.pathname === expectedPath, `after signing in, the page is ${landed}, expected ${expectedPath}`);
  const who = await text(page.locator('.staff-nav .who'));
  step(`signed in as ${email} ("${who}"), landed on ${landed.pathname}`);
}

async function opsStage(browser) {
  const email = env('VOUCH_OPS_EMAIL');
  const title = env('VOUCH_CASE_TITLE');
  const referees = JSON.parse(env('VOUCH_REFEREES'));
  check(Array.isArray(referees) && referees.length > 0, 'VOUCH_REFEREES is not a list of referees');

  const context = await newContext(browser);
  try {
    const page = await context.newPage();
    watch(page);

    // The sign-in page, checked before anyone signs in.
    await open(page, `${BASE}/ui/login`, 'sign-in page');
    await runAxe(page, 'sign-in');
    await screenshot(page, 'login.png', true);
    await signIn(page, email, '/ui/cases');
    await runAxe(page, 'cases list (empty)');

    // Providers → New provider.
    await page.locator('nav.staff-nav').getByRole('link', { name: 'Providers' }).click();
    await page.waitForURL(`${BASE}/ui/providers`);
    await page.getByRole('link', { name: 'New provider' }).click();
    await page.waitForURL(`${BASE}/ui/providers/new`);
    await runAxe(page, 'new provider form');
    await page.getByLabel('Name', { exact: true }).fill(PROVIDER.name);
    await page.getByLabel('Function they cover').fill(PROVIDER.category);
    await page.getByLabel('Website').fill(PROVIDER.website);
    await page.getByLabel('Contact name').fill(PROVIDER.contact_name);
    await page.getByLabel('Contact email').fill(PROVIDER.contact_email);
    let sent = await submit(page, page.getByRole('button', { name: 'Add provider' }), 'add provider');
    check(sent.status === 303, `adding the provider answered ${sent.status}, expected 303 (at ${page.url()})`);
    check(
      sent.url.pathname === '/ui/cases/new' && sent.url.searchParams.get('provider_id'),
      `adding the provider led to ${sent.url}, expected /ui/cases/new?provider_id=…`,
    );
    const providerId = sent.url.searchParams.get('provider_id');
    await expectFlash(page, /added/i, 'new provider');
    const select = page.getByLabel('Provider', { exact: true });
    check((await select.inputValue()) === providerId, `the new case form does not preselect provider ${providerId}`);
    const chosen = await select.evaluate((el) => el.selectedOptions[0]?.textContent ?? '');
    check(chosen.includes(PROVIDER.name), `the preselected provider reads ${JSON.stringify(chosen)}`);
    step(`provider ${providerId} added and preselected ("${chosen.trim()}")`);
    await runAxe(page, 'new case form');

    // The case.
    await page.getByLabel('Title').fill(title);
    sent = await submit(page, page.getByRole('button', { name: 'Open case' }), 'open case');
    check(sent.status === 303, `opening the case answered ${sent.status}, expected 303 (at ${page.url()})`);
    const match = sent.url.pathname.match(/^\/ui\/cases\/([0-9a-f-]{36})$/);
    check(match, `opening the case led to ${sent.url}, expected /ui/cases/{id}`);
    const caseId = match[1];
    const caseUrl = `${BASE}/ui/cases/${caseId}`;
    await expectFlash(page, /case opened/i, 'new case');
    await expectCaseBadge(page, 'Draft', 'new case');
    check((await text(page.locator('h1'))).startsWith(title), `the case page's <h1> does not start with "${title}"`);
    console.log(`CASE_ID=${caseId}`);
    step(`case ${caseUrl}`);

    // Three references through "Add a reference".
    for (const r of referees) {
      const form = page.locator(`form[action="/ui/cases/${caseId}/references"]`);
      await form.getByLabel('Name', { exact: true }).fill(r.name);
      await form.getByLabel('Email', { exact: true }).fill(r.email);
      await form.getByLabel('Company').fill(r.company);
      await form.getByLabel('Relationship to the provider').fill(r.relationship);
      sent = await submit(page, form.getByRole('button', { name: 'Add reference' }), `add ${r.email}`);
      check(sent.status === 303, `adding ${r.email} answered ${sent.status}, expected 303`);
      check(sent.url.href === caseUrl, `adding ${r.email} led to ${sent.url}, expected ${caseUrl}`);
      await expectFlash(page, new RegExp(`${r.name} added`), `add ${r.email}`);
      const row = page.locator('table.refs tbody tr').filter({ hasText: r.email });
      check((await row.count()) === 1, `${r.email} is not listed once in the references table`);
      const status = await text(row.locator('td[data-label="Status"] .badge'));
      check(status === 'Not invited yet', `${r.email} is listed as ${JSON.stringify(status)}, expected "Not invited yet"`);
    }
    const rows = await page.locator('table.refs tbody tr').count();
    check(rows === referees.length, `the references table has ${rows} rows, expected ${referees.length}`);
    step(`${rows} references listed as "Not invited yet"`);
    await runAxe(page, 'case page (draft)');

    // Launch.
    sent = await submit(page, page.getByRole('button', { name: 'Launch', exact: true }), 'launch');
    check(sent.status === 303, `launching answered ${sent.status}, expected 303`);
    check(sent.url.href === caseUrl, `launching led to ${sent.url}, expected ${caseUrl}`);
    await expectFlash(page, /^Launched\./, 'launch');
    await expectCaseBadge(page, 'Collecting', 'launch');
    check(
      (await page.getByRole('button', { name: 'Launch', exact: true }).count()) === 0,
      'the Launch button is still there after launching',
    );
    await noHorizontalOverflow(page, 'case page');
    await runAxe(page, 'case page (collecting)');
    await screenshot(page, 'case-launched.png', true);

    // Ask the provider how it rates itself.
    await expectSelfAssessmentBadge(page, 'Not requested', 'before the self-assessment request');
    const ask = page.getByRole('button', { name: 'Request self-assessment', exact: true });
    check(
      (await page.locator(`form[action="/ui/cases/${caseId}/self-assessment"] input[type=hidden][name=csrf]`).count()) === 1,
      'the self-assessment request form has no csrf field',
    );
    sent = await submit(page, ask, 'request self-assessment');
    check(sent.status === 303, `requesting the self-assessment answered ${sent.status}, expected 303`);
    check(sent.url.href === caseUrl, `requesting the self-assessment led to ${sent.url}, expected ${caseUrl}`);
    await expectFlash(page, /emailed a link to rate their own firm/, 'request self-assessment');
    await expectSelfAssessmentBadge(page, 'Requested', 'after the self-assessment request');
    await expectCaseBadge(page, 'Collecting', 'after the self-assessment request');
    check(
      (await page.getByRole('button', { name: 'Send a new self-assessment link', exact: true }).count()) === 1,
      'after the request, the case page does not offer to send a new self-assessment link',
    );
    step('self-assessment requested: flash shown, badge "Requested"');
    await runAxe(page, 'case page (self-assessment requested)');

    // The case is in the list, collecting.
    await page.locator('nav.staff-nav').getByRole('link', { name: 'Cases' }).click();
    await page.waitForURL(`${BASE}/ui/cases`);
    const listed = page.locator('table.cases tbody tr').filter({ hasText: title });
    check((await listed.count()) === 1, `the cases list does not show "${title}" once`);
    check((await text(listed.locator('.badge'))) === 'Collecting', 'the cases list does not show the case as Collecting');
    await runAxe(page, 'cases list');
  } finally {
    await context.close();
  }
}

async function hrStage(browser) {
  const email = env('VOUCH_HR_EMAIL');
  const caseId = env('VOUCH_CASE_ID');
  const title = env('VOUCH_CASE_TITLE');
  const rationale = env('VOUCH_RATIONALE');
  const expectDimensions = envNumber('VOUCH_EXPECT_DIMENSIONS');
  const expectScored = envNumber('VOUCH_EXPECT_SCORED');
  const expectIntervals = envNumber('VOUCH_EXPECT_INTERVALS');
  const expectDots = envNumber('VOUCH_EXPECT_REFEREE_DOTS');
  const expectSelf = envNumber('VOUCH_EXPECT_SELF_MARKS');
  const caseUrl = `${BASE}/ui/cases/${caseId}`;
  const reportUrl = `${caseUrl}/report`;

  const context = await newContext(browser);
  try {
    const page = await context.newPage();
    watch(page);
    await signIn(page, email, '/ui/review');

    // The review page lists the case, waiting.
    const row = page.locator('table tbody tr').filter({ hasText: title });
    check((await row.count()) === 1, `the review page does not list "${title}" once`);
    await runAxe(page, 'review');
    await screenshot(page, 'review.png', true);

    // The case page with every referee answered and the timeline (before the decision).
    await open(page, caseUrl, 'case page');
    await expectCaseBadge(page, 'In review', 'case page before the decision');
    const answered = await page.locator('table.refs tbody tr .badge', { hasText: 'Answered' }).count();
    const refs = await page.locator('table.refs tbody tr').count();
    check(refs > 0 && answered === refs, `${answered} of ${refs} references show "Answered"`);
    const events = await page.locator('ol.timeline li').count();
    check(events >= refs + 2, `the timeline has ${events} entries, expected the launch and every answer at least`);
    step(`case page: ${answered} references answered, ${events} timeline entries`);
    await noHorizontalOverflow(page, 'case page in review');
    await screenshot(page, 'case-page.png');

    // Back to Review, "Read report".
    await page.locator('nav.staff-nav').getByRole('link', { name: 'Review' }).click();
    await page.waitForURL(`${BASE}/ui/review`);
    await row.getByRole('link', { name: /Read report/ }).click();
    await page.waitForURL(reportUrl);

    // The chart.
    const chart = page.locator('svg#dimension-chart');
    check((await chart.count()) === 1, 'the report has no <svg id="dimension-chart">');
    const count = (selector) => chart.locator(selector).count();
    const dims = await count('g.dimension');
    const scores = await count('g.dimension circle.score');
    const dots = await count('g.dimension circle.referee');
    const intervals = await count('g.dimension line.interval');
    const minimums = await count('g.dimension line.minimum');
    const selfMarks = await count('g.dimension polygon.self');
    step(
      `chart: ${dims} dimensions, ${scores} scores, ${dots} referee dots, ${intervals} intervals, ${minimums} minimums, ${selfMarks} self marks`,
    );
    check(dims === expectDimensions, `the chart has ${dims} g.dimension, expected ${expectDimensions}`);
    check(scores === expectScored, `the chart has ${scores} circle.score, expected ${expectScored}`);
    check(dots > 0 && dots === expectDots, `the chart has ${dots} circle.referee, expected ${expectDots}`);
    check(intervals > 0 && intervals === expectIntervals, `the chart has ${intervals} line.interval, expected ${expectIntervals}`);
    check(minimums === dims, `the chart has ${minimums} line.minimum for ${dims} dimensions`);
    check(selfMarks === expectSelf, `the chart has ${selfMarks} polygon.self, expected ${expectSelf}`);
    const perRow = await chart.locator('g.dimension').evaluateAll((gs) =>
      gs.map((g) => g.querySelectorAll('polygon.self').length),
    );
    check(perRow.every((n) => n <= 1), `a dimension has more than one self mark: ${perRow.join(', ')}`);
    if (expectSelf > 0) {
      const legend = await text(page.locator('figure.chart figcaption.legend'));
      check(/self-assessment/i.test(legend), `the chart's legend does not explain the self marks: ${JSON.stringify(legend)}`);
    }
    // Drawn, not just present: every dot inside the plot, and the chart visibly sized.
    const box = await chart.boundingBox();
    check(box && box.width > 400 && box.height > 200, `the chart is drawn ${JSON.stringify(box)}`);
    const outside = await chart.evaluate((svg) => {
      const frame = svg.getBoundingClientRect();
      return [...svg.querySelectorAll('circle, polygon')].filter((c) => {
        const b = c.getBoundingClientRect();
        return b.width === 0 || b.left < frame.left || b.right > frame.right || b.top < frame.top || b.bottom > frame.bottom;
      }).length;
    });
    check(outside === 0, `${outside} dot(s) or self mark(s) of the chart are empty or outside it`);
    // Each dimension's name is drawn whole (the SVG clips whatever falls outside its
    // viewBox, and SVG text does not wrap), apart from the others, and next to its own row:
    // nearer its own track than any other.
    const labels = await chart.evaluate((svg) => {
      const view = svg.viewBox.baseVal;
      const rows = [...svg.querySelectorAll('g.dimension')].map((g) => ({
        text: g.querySelector('text.label'),
        track: g.querySelector('line.track')?.y1.baseVal.value,
      }));
      const boxes = rows.map((r) => (r.text ? r.text.getBBox() : null));
      const name = (i) => (rows[i].text ? rows[i].text.textContent.replace(/\s+/g, ' ').trim() : `row ${i + 1}`);
      const problems = [];
      boxes.forEach((b, i) => {
        if (!b || b.width === 0) return problems.push(`${name(i)}: no label`);
        if (b.x < view.x || b.x + b.width > view.x + view.width || b.y < view.y || b.y + b.height > view.y + view.height) {
          problems.push(`${name(i)}: cut off at the edge (${[b.x, b.y, b.width, b.height].map(Math.round).join(' ')})`);
        }
        const middle = b.y + b.height / 2;
        const nearest = rows
          .map((r, j) => [Math.abs(r.track - middle), j])
          .sort((a, c) => a[0] - c[0])[0][1];
        if (nearest !== i) problems.push(`${name(i)}: drawn by row ${nearest + 1}, not its own`);
        boxes.slice(0, i).forEach((o, j) => {
          if (o && b.x < o.x + o.width && o.x < b.x + b.width && b.y < o.y + o.height && o.y < b.y + b.height) {
            problems.push(`${name(i)}: overlaps ${name(j)}`);
          }
        });
      });
      return problems;
    });
    check(
      labels.length === 0,
      `the chart's dimension names are not readable (${labels.length} problems): ${labels.slice(0, 6).join('; ')}`,
    );

    // The table beside the chart: a Self column with the provider's score on each row it
    // rated itself on.
    const table = page.locator('table.dimensions');
    const columns = await table.locator('thead th').evaluateAll((ths) => ths.map((th) => th.textContent.trim()));
    const selfColumn = columns.indexOf('Self');
    check(selfColumn > 0, `the dimension table has no "Self" column: ${columns.join(' | ')}`);
    const selfCells = await table.locator('tbody tr').evaluateAll(
      (trs, i) => trs.map((tr) => (tr.children[i]?.textContent ?? '').replace(/\s+/g, ' ').trim()),
      selfColumn,
    );
    check(selfCells.length === expectDimensions, `the dimension table has ${selfCells.length} rows, expected ${expectDimensions}`);
    const withSelf = selfCells.filter((c) => /^\d/.test(c)).length;
    check(withSelf === expectSelf, `the Self column has ${withSelf} scores (${selfCells.join(' | ')}), expected ${expectSelf}`);
    step(`table: Self column ${selfCells.join(' | ')}`);
    const selfState = await text(page.locator('#self-assessment-state'));
    check(
      expectSelf === 0 || /self-assessment was received/.test(selfState),
      `"Where the evidence comes from" says the self-assessment is ${JSON.stringify(selfState)}`,
    );

    // The headline figures.
    const score = await text(page.locator('#alignment-score'));
    check(/^\d{1,3}(\.\d+)?\s*\/100$/.test(score), `#alignment-score reads ${JSON.stringify(score)}, expected a number /100`);
    const recommendation = await text(page.locator('#recommendation'));
    check(recommendation.length > 0, '#recommendation is empty');
    step(`alignment ${score}, recommendation "${recommendation}"`);
    await noHorizontalOverflow(page, 'report');
    await runAxe(page, 'report');
    await screenshot(page, 'report.png');

    // The print stylesheet: navigation, forms and buttons go, the print note comes.
    await page.emulateMedia({ media: 'print' });
    const shown = (selector) =>
      page.$$eval(selector, (els) => els.map((el) => getComputedStyle(el).display));
    for (const selector of ['.site-header', '.staff-nav', 'form', '.crumbs', '.no-print', '.site-footer']) {
      const displays = await shown(selector);
      check(displays.length > 0, `print: the report has no ${selector} to hide`);
      check(
        displays.every((d) => d === 'none'),
        `print: ${selector} is still shown (display ${displays.join(', ')})`,
      );
    }
    const note = await shown('.print-only');
    check(note.length === 1 && note[0] !== 'none', `print: .print-only is not shown (${note.join(', ')})`);
    check(
      (await chart.evaluate((svg) => getComputedStyle(svg).display)) !== 'none',
      'print: the chart is hidden',
    );
    await screenshot(page, 'report-print.png', true);
    await page.emulateMedia({ media: 'screen' });
    step('print: navigation, forms and buttons hidden; chart and print note shown');

    // The decision, first without a rationale.
    const form = page.locator(`form[action="/ui/cases/${caseId}/decision"]`);
    check((await form.count()) === 1, 'the report has no decision form');
    const conditions = form.getByLabel('Approved with conditions');
    await conditions.check();
    let sent = await submit(page, form.getByRole('button', { name: 'Record decision' }), 'decision without rationale');
    check(sent.status === 422, `a decision without a rationale answered ${sent.status}, expected 422`);
    await page.locator('.error-summary[role=alert]').waitFor({ state: 'visible' });
    const field = page.locator('.field.has-error').filter({ has: page.locator('textarea#f-rationale') });
    check((await field.count()) === 1, 'the rationale field is not marked as in error');
    const error = field.locator('p.field-error#f-rationale-error');
    check((await error.count()) === 1 && (await error.isVisible()), 'no visible error next to the rationale');
    const message = await text(error);
    check(message.length > 0, 'the error next to the rationale is empty');
    const describedBy = (await page.locator('textarea#f-rationale').getAttribute('aria-describedby')) || '';
    check(describedBy.split(/\s+/).includes('f-rationale-error'), `the rationale is not described by its error (${describedBy})`);
    check(
      (await page.locator('p.field-error').count()) === 1,
      `expected one field error, found ${await page.locator('p.field-error').count()}`,
    );
    check(await page.getByLabel('Approved with conditions').isChecked(), 'the chosen outcome was not kept after the 422');
    step(`422: "${message}" next to the rationale, outcome kept`);
    await runAxe(page, 'report with decision errors');

    // Then with one.
    await page.getByLabel('Approved with conditions').check();
    await page.getByLabel('Rationale').fill(rationale);
    sent = await submit(page, page.getByRole('button', { name: 'Record decision' }), 'decision');
    check(sent.status === 303, `the decision answered ${sent.status}, expected 303`);
    check(sent.url.href === caseUrl, `the decision led to ${sent.url}, expected ${caseUrl}`);
    await expectFlash(page, /^Decision recorded: Approved with conditions/, 'decision');
    await expectCaseBadge(page, 'Decided', 'decision');
    const decision = page.locator('.decision');
    check((await decision.count()) === 1, 'the case page does not show the decision');
    const heading = await text(decision.locator('h3'));
    check(heading === 'Decision: Approved with conditions', `the decision reads ${JSON.stringify(heading)}`);
    const kept = await decision.locator('.rationale').innerText();
    check(kept.trim() === rationale.trim(), `the rationale shown is ${JSON.stringify(kept)}`);
    await screenshot(page, 'case-decided.png', true);
    step('decision recorded and shown on the case page');
  } finally {
    await context.close();
  }
}

// Stage hidden: an HR reviewer opens the report of a case with fewer complete responses
// than report.min_responses_for_detail: no referee's dot on the chart, no quoted comment,
// the report says why; axe finds nothing serious.
async function hiddenStage(browser) {
  const email = env('VOUCH_HR_EMAIL');
  const caseId = env('VOUCH_CASE_ID');
  const context = await newContext(browser);
  const page = await context.newPage();
  watch(page);
  await signIn(page, email, '/ui/review');
  await open(page, `${BASE}/ui/cases/${caseId}/report`, 'hidden-detail report');
  check((await page.locator('svg#dimension-chart').count()) === 1, 'the report has no chart');
  const dots = await page.locator('svg#dimension-chart circle.referee').count();
  check(dots === 0, `the chart shows ${dots} referee dot(s) below the detail threshold`);
  const scores = await page.locator('svg#dimension-chart circle.score').count();
  check(scores > 0, 'the aggregate scores are still drawn');
  const hidden = page.locator('#comments-hidden');
  check((await hidden.count()) === 1, 'the comments section does not say they are hidden');
  check(await hidden.isVisible(), 'the hidden-comments note is not visible');
  const notes = await text(page.locator('main'));
  check(/hidden until \d+ responses/.test(notes), 'the report does not say why detail is hidden');
  check((await page.locator('.comments blockquote').count()) === 0, 'a comment is quoted');
  await runAxe(page, 'hidden-detail report');
  await noHorizontalOverflow(page, 'hidden-detail report');
  step('hidden-detail report: no dots, no quotes, the reason given');
  await context.close();
}

// Stage engagement: an HR reviewer follows up an approved provider. The Rust side made the
// engagement, its stakeholders and a completed pulse with some dimensions below what the
// references predicted.
async function engagementStage(browser) {
  const email = env('VOUCH_HR_EMAIL');
  const id = env('VOUCH_ENGAGEMENT_ID');
  const expectDimensions = envNumber('VOUCH_EXPECT_DIMENSIONS');
  const expectBelow = envNumber('VOUCH_EXPECT_BELOW');
  const url = `${BASE}/ui/engagements/${id}`;
  const context = await newContext(browser);
  try {
    const page = await context.newPage();
    watch(page);
    await signIn(page, email, '/ui/review');

    // The list, from the menu: the engagement is under "Drifting below".
    await page.locator('nav.staff-nav').getByRole('link', { name: 'Engagements' }).click();
    await page.waitForURL(`${BASE}/ui/engagements`);
    const drifting = page.locator('section#drifting');
    check((await drifting.count()) === 1, 'the engagement list has no "Drifting below" section');
    const link = drifting.locator(`a[href="/ui/engagements/${id}"]`);
    check((await link.count()) === 1, `"Drifting below" does not list engagement ${id} once`);
    step(`list: ${await text(drifting.locator('h2'))}`);
    await runAxe(page, 'engagement list');
    await noHorizontalOverflow(page, 'engagement list');
    await screenshot(page, 'engagements.png', true);

    await link.click();
    await page.waitForURL(url);
    check(/engagement/.test(await text(page.locator('h1'))), 'the engagement page has no engagement heading');

    // The completed pulse's chart.
    const pulse = page.locator('article.pulse-card').first();
    check((await pulse.locator('.badge', { hasText: 'Complete' }).count()) === 1, 'the newest pulse is not shown as complete');
    const chart = pulse.locator('svg.pulse-chart');
    check((await chart.count()) === 1, 'the pulse has no chart');
    check((await chart.getAttribute('role')) === 'img', 'the pulse chart is not role="img"');
    const named = await chart.evaluate((svg) => {
      const ids = (svg.getAttribute('aria-labelledby') || '').split(/\s+/);
      return ids.map((i) => document.getElementById(i)?.textContent.trim() || '');
    });
    check(named.length === 2 && named.every((t) => t.length > 0), `the pulse chart's title and desc: ${JSON.stringify(named)}`);
    const count = (selector) => chart.locator(selector).count();
    const rows = await count('g.dimension');
    const marks = await count('g.dimension rect.pulse');
    const dots = await count('g.dimension circle.prehire');
    const intervals = await count('g.dimension line.interval');
    const below = await count('g.dimension.below');
    step(`chart: ${rows} dimensions, ${marks} pulse marks, ${dots} pre-hire dots, ${intervals} intervals, ${below} below`);
    check(rows === expectDimensions, `the pulse chart has ${rows} g.dimension, expected ${expectDimensions}`);
    check(marks === expectDimensions, `the pulse chart has ${marks} rect.pulse, expected ${expectDimensions}`);
    check(dots === expectDimensions, `the pulse chart has ${dots} circle.prehire, expected ${expectDimensions}`);
    check(intervals === expectDimensions, `the pulse chart has ${intervals} line.interval, expected ${expectDimensions}`);
    check(below === expectBelow, `the pulse chart marks ${below} rows below, expected ${expectBelow}`);
    const belowWords = await chart.locator('g.dimension.below').evaluateAll((gs) =>
      gs.map((g) => g.querySelector('text.drift')?.textContent ?? ''),
    );
    check(
      belowWords.every((t) => /^below what references predicted/.test(t)),
      `a row below does not say so: ${JSON.stringify(belowWords)}`,
    );
    // Below rows are drawn in another colour than the others.
    const fills = await chart.evaluate((svg) => {
      const fill = (sel) => {
        const el = svg.querySelector(sel);
        return el ? getComputedStyle(el).fill : null;
      };
      return { below: fill('g.dimension.below rect.pulse'), other: fill('g.dimension:not(.below):not(.above) rect.pulse') };
    });
    check(!fills.other || fills.below !== fills.other, `below and within marks share a colour: ${JSON.stringify(fills)}`);
    const box = await chart.boundingBox();
    check(box && box.width > 400 && box.height > 200, `the pulse chart is drawn ${JSON.stringify(box)}`);
    const problems = await chart.evaluate((svg) => {
      const view = svg.viewBox.baseVal;
      const frame = svg.getBoundingClientRect();
      const out = [];
      for (const m of svg.querySelectorAll('circle, rect')) {
        const b = m.getBoundingClientRect();
        if (b.width === 0 || b.left < frame.left || b.right > frame.right || b.top < frame.top || b.bottom > frame.bottom) {
          out.push(`a ${m.getAttribute('class')} mark is empty or outside the chart`);
        }
      }
      // Every name and drift note whole, inside the SVG, clear of the others and of the
      // marks.
      const texts = [...svg.querySelectorAll('text.label, text.drift')];
      const marks = [...svg.querySelectorAll('g.dimension circle, g.dimension rect')].map((m) => m.getBBox());
      const boxes = texts.map((t) => t.getBBox());
      const name = (i) => JSON.stringify(texts[i].textContent.trim().slice(0, 40));
      const overlap = (b, o) => b.x < o.x + o.width && o.x < b.x + b.width && b.y < o.y + o.height && o.y < b.y + b.height;
      boxes.forEach((b, i) => {
        if (b.width === 0 || b.x < view.x || b.x + b.width > view.x + view.width || b.y < view.y || b.y + b.height > view.y + view.height) {
          out.push(`${name(i)} is cut off`);
        }
        boxes.slice(0, i).forEach((o, j) => {
          if (overlap(b, o)) out.push(`${name(i)} overlaps ${name(j)}`);
        });
        if (marks.some((m) => overlap(b, m))) out.push(`${name(i)} overlaps a mark`);
      });
      return out;
    });
    check(problems.length === 0, `the pulse chart: ${problems.slice(0, 6).join('; ')}`);

    // The table says the same in words.
    const table = pulse.locator('table.pulse-dimensions');
    const tableRows = await table.locator('tbody tr').count();
    check(tableRows === expectDimensions, `the pulse table has ${tableRows} rows, expected ${expectDimensions}`);
    const tableBelow = await table.locator('tbody tr.below').count();
    check(tableBelow === expectBelow, `the pulse table marks ${tableBelow} rows below, expected ${expectBelow}`);
    step(`table: ${tableRows} rows, ${tableBelow} below`);

    // The forms are there, labelled.
    check((await page.getByLabel('Email', { exact: true }).count()) === 1, 'no labelled email field to add a stakeholder');
    check((await page.getByLabel('Why it ends').count()) === 1, 'no labelled reason to end the engagement');

    await runAxe(page, 'engagement page');
    await noHorizontalOverflow(page, 'engagement page');
    await screenshot(page, 'engagement.png');
    await page.setViewportSize({ width: 390, height: 844 });
    await noHorizontalOverflow(page, 'engagement page on a phone');
    await runAxe(page, 'engagement page on a phone');
    await screenshot(page, 'engagement-phone.png', true);
    step('engagement page: chart, table and forms; no sideways scroll on a desktop or a phone');
  } finally {
    await context.close();
  }
}

// Stage calibration: an HR reviewer reads how well the references predicted the pulses.
// The Rust side made the engagements, each with a finished pulse.
async function calibrationStage(browser) {
  const email = env('VOUCH_HR_EMAIL');
  const expectEngagements = envNumber('VOUCH_EXPECT_ENGAGEMENTS');
  const expectPlots = envNumber('VOUCH_EXPECT_PLOTS');
  const expectPoints = envNumber('VOUCH_EXPECT_POINTS');
  const context = await newContext(browser);
  try {
    const page = await context.newPage();
    watch(page);
    await signIn(page, email, '/ui/review');
    await page.locator('nav.staff-nav').getByRole('link', { name: 'Calibration' }).click();
    await page.waitForURL(`${BASE}/ui/insights/calibration`);
    check(/^Calibration/.test(await text(page.locator('h1'))), 'the calibration page has no "Calibration" heading');
    const counted = await text(page.locator('#engagement-count'));
    check(counted === String(expectEngagements), `the page counts ${counted} engagements, expected ${expectEngagements}`);
    check((await page.locator('#more-needed').count()) === 0, 'the page asks for more engagements');
    check((await page.locator('#demo-data').count()) === 0, 'the page says it includes demo data');

    // Every plot: an image named by its title and described, the diagonal, its points
    // inside it, and its r in words below.
    const plots = page.locator('svg[role=img]');
    const n = await plots.count();
    check(n === expectPlots, `the page has ${n} plots, expected ${expectPlots}`);
    const found = await plots.evaluateAll((svgs) =>
      svgs.map((svg) => {
        const ids = (svg.getAttribute('aria-labelledby') || '').split(/\s+/);
        const named = ids.map((i) => document.getElementById(i));
        const frame = svg.getBoundingClientRect();
        const points = [...svg.querySelectorAll('circle.point')];
        const outside = points.filter((c) => {
          const b = c.getBoundingClientRect();
          return b.width === 0 || b.left < frame.left || b.right > frame.right || b.top < frame.top || b.bottom > frame.bottom;
        }).length;
        const words = svg.closest('figure')?.querySelector('.in-words')?.textContent.replace(/\s+/g, ' ').trim() || '';
        return {
          title: named[0]?.tagName === 'title' ? named[0].textContent.trim() : '',
          desc: named[1]?.tagName === 'desc' ? named[1].textContent.trim() : '',
          diagonal: svg.querySelectorAll('line.diagonal').length,
          points: points.length,
          outside,
          width: frame.width,
          words,
        };
      }),
    );
    let points = 0;
    for (const [i, p] of found.entries()) {
      const name = p.title || `plot ${i + 1}`;
      check(p.title.length > 0 && p.desc.length > 0, `${name}: no <title> and <desc> naming the image`);
      check(/one point each/.test(p.desc), `${name}: the description does not give the figures: ${JSON.stringify(p.desc)}`);
      check(p.diagonal === 1, `${name}: ${p.diagonal} diagonals`);
      check(p.outside === 0, `${name}: ${p.outside} point(s) empty or outside the plot`);
      check(p.width >= 200, `${name}: drawn ${p.width}px wide`);
      check(/r = -?\d\.\d\d/.test(p.words) || /cannot be told/.test(p.words), `${name}: no r in words: ${JSON.stringify(p.words)}`);
      points += p.points;
    }
    check(points === expectPoints, `the plots have ${points} points, expected ${expectPoints}`);
    step(`${n} plots, ${points} points; alignment: "${found[0].words}"`);

    await runAxe(page, 'calibration');
    await noHorizontalOverflow(page, 'calibration');
    await screenshot(page, 'calibration.png');
    await page.setViewportSize({ width: 390, height: 844 });
    await noHorizontalOverflow(page, 'calibration on a phone');
    await runAxe(page, 'calibration on a phone');
    await screenshot(page, 'calibration-phone.png', true);
    step('calibration page: plots, r in words; no sideways scroll on a desktop or a phone');

    // Response insights, from the menu: the funnel and hours-to-quorum charts, named and
    // described; axe-clean; no sideways scroll on a desktop or a phone; in print, the
    // period form and the navigation go and the charts stay.
    await page.setViewportSize(DESKTOP.viewport);
    await page.locator('nav.staff-nav').getByRole('link', { name: 'Responses' }).click();
    await page.waitForURL(`${BASE}/ui/insights/responses`);
    check(/^Response insights/.test(await text(page.locator('h1'))), 'the responses page has no "Response insights" heading');
    for (const id of ['funnel-chart', 'quorum-chart']) {
      const named = await page.locator(`svg#${id}`).evaluate((svg) =>
        (svg.getAttribute('aria-labelledby') || '').split(/\s+/).map((i) => document.getElementById(i)?.tagName));
      check(named.join(' ') === 'title desc', `${id}: not named by its <title> and <desc> (${named.join(' ')})`);
    }
    check(/\d/.test(await text(page.locator('#invited'))), 'the responses page shows no invited count');
    await runAxe(page, 'responses');
    await noHorizontalOverflow(page, 'responses');
    await page.setViewportSize({ width: 390, height: 844 });
    await noHorizontalOverflow(page, 'responses on a phone');
    await runAxe(page, 'responses on a phone');
    await page.setViewportSize(DESKTOP.viewport);
    await page.emulateMedia({ media: 'print' });
    const display = (selector) =>
      page.$$eval(selector, (els) => els.map((el) => getComputedStyle(el).display));
    for (const selector of ['.staff-nav', 'form']) {
      const displays = await display(selector);
      check(displays.length > 0 && displays.every((d) => d === 'none'), `print: ${selector} is still shown on the responses page`);
    }
    const charts = await display('svg#funnel-chart, svg#quorum-chart');
    check(charts.length === 2 && charts.every((d) => d !== 'none'), 'print: a responses chart is hidden');
    await page.emulateMedia({ media: 'screen' });
    step('responses page: charts named; axe-clean and no sideways scroll on a desktop or a phone; prints without the form');

    // One of the providers: its history, with the chart of a decided case and its pulse.
    await page.setViewportSize(DESKTOP.viewport);
    const providerId = env('VOUCH_PROVIDER_ID');
    await open(page, `${BASE}/ui/providers`, 'providers');
    await page.locator(`a[href="/ui/providers/${providerId}"]`).first().click();
    await page.waitForURL(`${BASE}/ui/providers/${providerId}`);
    const history = page.locator('svg#history-chart');
    check((await history.count()) === 1, 'the provider page has no history chart');
    const marks = {
      cases: await history.locator('circle.case').count(),
      pulses: await history.locator('polygon.pulse-mark').count(),
      entries: await page.locator('ol.history > li').count(),
    };
    check(marks.cases === 1 && marks.pulses === 1, `the history chart has ${JSON.stringify(marks)}, expected a case and a pulse`);
    check(marks.entries === 1, `the history lists ${marks.entries} cases, expected 1`);
    const outside = await history.evaluate((svg) => {
      const frame = svg.getBoundingClientRect();
      return [...svg.querySelectorAll('circle, polygon, text')].filter((m) => {
        const b = m.getBoundingClientRect();
        return b.width === 0 || b.left < frame.left || b.right > frame.right || b.top < frame.top || b.bottom > frame.bottom;
      }).length;
    });
    check(outside === 0, `${outside} mark(s) or label(s) of the history chart are empty or outside it`);
    await runAxe(page, 'provider page');
    await noHorizontalOverflow(page, 'provider page');
    await screenshot(page, 'provider.png', true);
    step('provider page: the history and its chart');
  } finally {
    await context.close();
  }
}

async function newContext(browser) {
  const context = await browser.newContext(DESKTOP);
  context.setDefaultTimeout(ACTION_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(ACTION_TIMEOUT_MS);
  return context;
}

async function main() {
  check(
    ['ops', 'hr', 'hidden', 'engagement', 'calibration'].includes(STAGE),
    `VOUCH_STAGE is ${JSON.stringify(STAGE)}, expected ops, hr, hidden, engagement or calibration`,
  );
  check(/^https?:\/\/[^/]+$/.test(BASE), `VOUCH_BASE_URL ${JSON.stringify(BASE)} is not http://HOST:PORT`);
  check(PASSWORD, 'VOUCH_PASSWORD is not set');
  const browser = await launchChromium();
  try {
    step(`chromium ${browser.version()}, ${BASE}`);
    if (STAGE === 'ops') await opsStage(browser);
    else if (STAGE === 'hidden') await hiddenStage(browser);
    else if (STAGE === 'engagement') await engagementStage(browser);
    else if (STAGE === 'calibration') await calibrationStage(browser);
    else await hrStage(browser);
  } finally {
    await browser.close();
  }
  step(`axe: ${axeSeen.length ? `violations below serious: ${axeSeen.join('; ')}` : 'no violations at all'}`);
}

const watchdog = setTimeout(() => {
  console.error(`staff.mjs: FAIL: still running after ${WATCHDOG_MS / 1000}s`);
  process.exit(1);
}, WATCHDOG_MS);
watchdog.unref();

try {
  await main();
  if (process.exitCode) {
    console.error('staff.mjs: FAIL: see the errors above');
  } else {
    console.log(`staff.mjs: stage ${STAGE} passed`);
  }
} catch (e) {
  const detail = e instanceof TestFailure ? e.message : (e && e.stack) || String(e);
  console.error(`staff.mjs: FAIL: ${detail}`);
  process.exitCode = 1;
}
