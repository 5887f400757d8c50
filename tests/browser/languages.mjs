// Browser test of the referee questionnaire in other languages, run by
// tests/api/browser.rs: each form is opened on a phone in chromium; the page must say its
// language and direction, fit the screen (no sideways scroll), pass axe-core with no
// violations, and in a right-to-left language the 1–5 scale must read from the right.
// Exits non-zero with a message on the first failure.
//
// Environment:
//   VOUCH_FORMS            `locale=url` pairs separated by spaces, e.g.
//                          "ar=http://127.0.0.1:PORT/r/TOKEN?lang=ar de=http://…"
//   VOUCH_SCREENSHOT_DIR   write form-<locale>-phone.png there (optional)
//   CHROMIUM               browser binary (default /usr/bin/chromium)

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { launchChromium, check, expectNoAxeViolations, openFormOnPhone, runMain } from './launch.mjs';

const FORMS = (process.env.VOUCH_FORMS || '').split(/\s+/).filter(Boolean);
const SCREENSHOT_DIR = process.env.VOUCH_SCREENSHOT_DIR || '';
const ACTION_TIMEOUT_MS = 15_000;
const WATCHDOG_MS = 120_000;

function step(message) {
  console.log(`languages.mjs: ${message}`);
}

async function checkForm(browser, locale, url) {
  const { context, page } = await openFormOnPhone(browser, locale, url, ACTION_TIMEOUT_MS);

  const { lang, dir, scroll, client } = await page.evaluate(() => ({
    lang: document.documentElement.lang,
    dir: document.documentElement.dir,
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
  }));
  const rtl = locale === 'ar';
  check(lang === locale, `${locale}: <html lang="${lang}">`);
  check(dir === (rtl ? 'rtl' : 'ltr'), `${locale}: <html dir="${dir}">`);
  check(scroll <= client, `${locale}: the page scrolls sideways (${scroll}px in ${client}px)`);

  // The first scale of the form: 1 must come first in the reading direction.
  const [one, five] = await Promise.all(
    ['1', '5'].map((v) =>
      page
        .locator(`.scale input[value="${v}"]`)
        .first()
        .evaluate((el) => el.closest('label').getBoundingClientRect().left),
    ),
  );
  check(
    rtl ? one > five : one < five,
    `${locale}: the scale runs the wrong way (1 at x=${one}, 5 at x=${five})`,
  );

  await expectNoAxeViolations(page, 'languages.mjs', locale);
  step(`${locale}: lang and dir right, fits a phone, scale reads ${rtl ? 'right to left' : 'left to right'}, axe: no violations`);

  if (SCREENSHOT_DIR) {
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const file = path.join(SCREENSHOT_DIR, `form-${locale}-phone.png`);
    await page.screenshot({ path: file, fullPage: false });
    step(`wrote ${file}`);
  }
  await context.close();
}

async function main() {
  check(FORMS.length > 0, 'VOUCH_FORMS is not set');
  const browser = await launchChromium();
  try {
    for (const pair of FORMS) {
      const at = pair.indexOf('=');
      await checkForm(browser, pair.slice(0, at), pair.slice(at + 1));
    }
  } finally {
    await browser.close();
  }
}

runMain('languages.mjs', main, WATCHDOG_MS);
