// Browser test of the "Quick partner check" questionnaire, run by tests/api/browser.rs.
//
// On a phone in chromium: the quick form in Arabic must say its language and direction,
// fit the screen (no sideways scroll), pass axe-core, and read its bands from the right;
// the same form in English must do the same, say "About 3 minutes", and be answerable
// with taps alone (a band per question, rehire, the open question, consent), landing on
// the thank-you page. Exits non-zero with a message on the first failure.
//
// Environment:
//   VOUCH_QUICK_URL        a quick-form link http://127.0.0.1:PORT/r/TOKEN, answered here
//   VOUCH_QUICK_URL_AR     a second, fresh link, opened in Arabic and not answered
//   VOUCH_BANDS            the band to choose for each question, in order, separated by
//                          spaces (e.g. "top_10 top_quarter …")
//   VOUCH_OPEN_TEXT        what to type into the open question
//   VOUCH_SCREENSHOT_DIR   write quick-form-phone.png and quick-form-ar-phone.png (optional)
//   CHROMIUM               browser binary (default /usr/bin/chromium)

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { launchChromium, check, expectNoAxeViolations, openFormOnPhone, runMain } from './launch.mjs';

const URL_EN = process.env.VOUCH_QUICK_URL;
const URL_AR = process.env.VOUCH_QUICK_URL_AR;
const BANDS = (process.env.VOUCH_BANDS || '').split(/\s+/).filter(Boolean);
const OPEN_TEXT = process.env.VOUCH_OPEN_TEXT || 'Book them before the quarter closes.';
const SCREENSHOT_DIR = process.env.VOUCH_SCREENSHOT_DIR || '';
const ACTION_TIMEOUT_MS = 15_000;
const WATCHDOG_MS = 120_000;

function step(message) {
  console.log(`quick.mjs: ${message}`);
}

// A phone screen's worth from the first question on: the bands are what to show.
async function screenshot(page, name) {
  if (!SCREENSHOT_DIR) return;
  await page.locator('h2.group-title').first().evaluate((el) => el.scrollIntoView());
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, name);
  await page.screenshot({ path: file, fullPage: false });
  step(`wrote ${file}`);
}

// Opens `url` on a phone and checks what every language must hold; returns the page.
async function openChecked(browser, locale, url) {
  const { context, page } = await openFormOnPhone(browser, locale, url, ACTION_TIMEOUT_MS);

  const facts = await page.evaluate(() => ({
    lang: document.documentElement.lang,
    dir: document.documentElement.dir,
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
    scripts: document.scripts.length,
    groups: document.querySelectorAll('.bands').length,
    bandInputs: document.querySelectorAll('.bands input[type=radio]').length,
    scales: document.querySelectorAll('.scale').length,
  }));
  const rtl = locale === 'ar';
  check(facts.lang === locale, `${locale}: <html lang="${facts.lang}">`);
  check(facts.dir === (rtl ? 'rtl' : 'ltr'), `${locale}: <html dir="${facts.dir}">`);
  check(facts.scroll <= facts.client, `${locale}: the page scrolls sideways (${facts.scroll}px in ${facts.client}px)`);
  check(facts.scripts === 0, `${locale}: the form has ${facts.scripts} script(s); it must work without`);
  check(facts.groups === 8 && facts.bandInputs === 40, `${locale}: ${facts.groups} band rows, ${facts.bandInputs} band buttons (want 8, 40)`);
  check(facts.scales === 0, `${locale}: a 1–5 scale is shown on the quick form`);

  // Every band button is inside the screen and big enough to tap.
  const boxes = await page.locator('.bands label').evaluateAll((labels) =>
    labels.map((l) => {
      const r = l.getBoundingClientRect();
      return { left: r.left, right: r.right, height: r.height };
    }),
  );
  for (const b of boxes) {
    check(b.left >= 0 && b.right <= facts.client + 0.5, `${locale}: a band sticks out (${b.left}–${b.right} of ${facts.client})`);
    check(b.height >= 44, `${locale}: a band is ${b.height}px high, under the 44px tap size`);
  }
  // The lowest band comes first in the reading direction.
  const [low, next] = await Promise.all(
    ['bottom_half', 'top_half'].map((v) =>
      page
        .locator(`.bands input[value="${v}"]`)
        .first()
        .evaluate((el) => el.closest('label').getBoundingClientRect().left),
    ),
  );
  check(rtl ? low > next : low < next, `${locale}: the bands run the wrong way (${low}, ${next})`);

  await expectNoAxeViolations(page, 'quick.mjs', locale);
  step(`${locale}: lang and dir right, fits a 360 px phone, bands read ${rtl ? 'right to left' : 'left to right'}, no script, axe: no violations`);
  return { context, page };
}

async function main() {
  check(URL_EN && URL_AR, 'VOUCH_QUICK_URL and VOUCH_QUICK_URL_AR are needed');
  check(BANDS.length === 8, `VOUCH_BANDS has ${BANDS.length} bands, want 8`);
  const browser = await launchChromium();
  try {
    const ar = await openChecked(browser, 'ar', URL_AR);
    await ar.page.locator('label:has(input[value="top_quarter"])').first().tap();
    await screenshot(ar.page, 'quick-form-ar-phone.png');
    await ar.context.close();

    const { context, page } = await openChecked(browser, 'en', URL_EN);
    const time = await page.locator('dl.facts dd').first().innerText();
    check(/About 3 minutes/.test(time), `the form says "${time}", not about 3 minutes`);

    // Taps only: the label of each band, rehire, the open question, consent.
    const names = await page
      .locator('.bands input[value="top_5"]')
      .evaluateAll((inputs) => inputs.map((i) => i.name));
    check(names.length === 8, `${names.length} percentile questions`);
    for (const [i, name] of names.entries()) {
      await page.locator(`label:has(input[name="${name}"][value="${BANDS[i]}"])`).tap();
      if (i === 1) await screenshot(page, 'quick-form-phone.png');
    }
    await page.locator('label:has(input[name="q_rehire"][value="yes"])').tap();
    await page.locator('textarea[name="q_working_well"]').fill(OPEN_TEXT);
    await page.locator('input#consent').check();
    await Promise.all([
      page.waitForURL(/\/done(\?|$)/),
      page.locator('button[name="action"][value="submit"]').tap(),
    ]);
    const thanks = await page.locator('h1').innerText();
    step(`submitted; the thank-you page says "${thanks}"`);
    await context.close();
  } finally {
    await browser.close();
  }
}

runMain('quick.mjs', main, WATCHDOG_MS);
