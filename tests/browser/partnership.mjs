// Browser test of the provider side of a pulse (issue 32), run by tests/api/browser.rs.
//
// On a phone in chromium, one of the provider's people opens the provider-side link of a
// pulse for a provider whose language is Arabic: the page must say it is Arabic and right
// to left, fit the screen (no sideways scroll), work without script, pass axe-core, ask
// the five provider-side statements in the provider's voice with the 1–5 scale reading
// from the right, and be answerable with taps alone (a value per statement, the open
// question, consent), landing on the thank-you page. Exits non-zero with a message on
// the first failure.
//
// Environment:
//   VOUCH_PARTNER_URL      the provider-side link http://127.0.0.1:PORT/r/TOKEN
//   VOUCH_VALUES           the value (1–5) to tap for each statement, in order, separated
//                          by spaces
//   VOUCH_OPEN_TEXT        what to type into the open question
//   VOUCH_SCREENSHOT_DIR   write provider-side-ar-phone.png (optional)
//   CHROMIUM               browser binary (default /usr/bin/chromium)

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { launchChromium, check, expectNoAxeViolations, openFormOnPhone, runMain } from './launch.mjs';

const URL = process.env.VOUCH_PARTNER_URL;
const VALUES = (process.env.VOUCH_VALUES || '').split(/\s+/).filter(Boolean);
const OPEN_TEXT = process.env.VOUCH_OPEN_TEXT || 'Invite us to the planning days.';
const SCREENSHOT_DIR = process.env.VOUCH_SCREENSHOT_DIR || '';
const ACTION_TIMEOUT_MS = 15_000;
const WATCHDOG_MS = 120_000;

function step(message) {
  console.log(`partnership.mjs: ${message}`);
}

async function main() {
  check(URL, 'VOUCH_PARTNER_URL is needed');
  check(VALUES.length === 5, `VOUCH_VALUES has ${VALUES.length} values, want 5`);
  const browser = await launchChromium();
  try {
    const { context, page } = await openFormOnPhone(browser, 'en-GB', URL, ACTION_TIMEOUT_MS);

    const facts = await page.evaluate(() => ({
      lang: document.documentElement.lang,
      dir: document.documentElement.dir,
      scroll: document.documentElement.scrollWidth,
      client: document.documentElement.clientWidth,
      scripts: document.scripts.length,
      scales: document.querySelectorAll('.scale').length,
      heading: document.querySelector('h1').innerText,
      text: document.body.innerText,
    }));
    // The provider's language, although the browser asks for English.
    check(facts.lang === 'ar', `<html lang="${facts.lang}">, want the provider's ar`);
    check(facts.dir === 'rtl', `<html dir="${facts.dir}">`);
    check(facts.scroll <= facts.client, `the page scrolls sideways (${facts.scroll}px in ${facts.client}px)`);
    check(facts.scripts === 0, `the form has ${facts.scripts} script(s); it must work without`);
    check(facts.scales === 5, `${facts.scales} scales, want the 5 provider-side statements`);
    check(facts.heading.includes('الشراكة'), `the heading "${facts.heading}" is not the provider-side one`);
    check(facts.text.includes('يُشركوننا'), 'the statements are not in the provider\'s voice ("They include us…")');

    // 1 comes first in the reading direction: from the right.
    const [one, five] = await Promise.all(
      ['1', '5'].map((v) =>
        page
          .locator(`.scale input[value="${v}"]`)
          .first()
          .evaluate((el) => el.closest('label').getBoundingClientRect().left),
      ),
    );
    check(one > five, `the scale runs the wrong way for Arabic (1 at x=${one}, 5 at x=${five})`);

    await expectNoAxeViolations(page, 'partnership.mjs', 'ar');
    step('lang ar, dir rtl, fits a 360 px phone, scale reads right to left, no script, axe: no violations');

    // Taps only: a value per statement, the open question, consent.
    const names = await page
      .locator('.scale input[value="1"]')
      .evaluateAll((inputs) => inputs.map((i) => i.name));
    check(names.length === 5, `${names.length} statements`);
    for (const [i, name] of names.entries()) {
      await page.locator(`label:has(input[name="${name}"][value="${VALUES[i]}"])`).tap();
      if (i === 1 && SCREENSHOT_DIR) {
        await page.locator('h2.group-title').first().evaluate((el) => el.scrollIntoView());
        mkdirSync(SCREENSHOT_DIR, { recursive: true });
        const file = path.join(SCREENSHOT_DIR, 'provider-side-ar-phone.png');
        await page.screenshot({ path: file, fullPage: false });
        step(`wrote ${file}`);
      }
    }
    await page.locator('textarea[name="q_work_better"]').fill(OPEN_TEXT);
    await page.locator('input#consent').check();
    await Promise.all([
      page.waitForURL(/\/done(\?|$)/),
      page.locator('button[name="action"][value="submit"]').tap(),
    ]);
    const done = await page.evaluate(() => ({
      lang: document.documentElement.lang,
      heading: document.querySelector('h1').innerText,
    }));
    step(`submitted; the thank-you page (lang ${done.lang}) says "${done.heading}"`);
    await context.close();
  } finally {
    await browser.close();
  }
}

runMain('partnership.mjs', main, WATCHDOG_MS);
