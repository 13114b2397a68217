// The support console in a real browser (Debian's Chromium, driven by playwright-core) against
// the real stack: sign in, start a refund, a wrong OTP then the right one read from the
// simulator's SMS outbox, the page following the refund live to REFUNDED, cancel with a reason,
// a viewer without buttons, the summary, and a phone-width screen. Screenshots go to
// test-results/screenshots/.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { RefundPhase } from '../../src/contract';
import type { Role } from '../../src/api/keys';
import { type ApiStack, startApiStack, TEST_KEYS } from '../helpers/api-stack';
import { launchChromium, screenshot } from '../helpers/browser';
import { FAST, newTid } from '../helpers/refund-stack';
import { waitFor } from '../helpers/wait';

jest.setTimeout(120_000);
// (No DOM types here: code that runs in the page is passed to page.evaluate as a string.)

const LAPTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

let stack: ApiStack;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const consoleMessages: string[] = [];

beforeAll(async () => {
  stack = await startApiStack({ eventsPollMs: 250 });
  browser = await launchChromium();
}, 90_000);
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});
beforeEach(async () => {
  context = await browser.newContext({ viewport: LAPTOP });
  page = await context.newPage();
  page.on('console', (message) => consoleMessages.push(message.text()));
});
afterEach(() => context?.close());

/** Signs in with the keyboard alone: the key field follows the page's heading. */
async function signIn(role: Role): Promise<void> {
  await page.goto(stack.url);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.keyboard.press('Tab');
  await page.keyboard.type(TEST_KEYS[role].key);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Work queue' }).waitFor();
}

/** A refund-pending transaction whose refund waits for the OTP. */
async function refundAwaitingOtp(): Promise<string> {
  const tid = newTid();
  stack.sim.seed({ tid, amount: '5000.00', fee: '50.00' });
  await stack.refunds.start({ tid, ...FAST });
  await waitFor(
    'AWAITING_OTP',
    () => stack.refunds.getState(tid),
    (state) => state.phase === RefundPhase.AWAITING_OTP,
  );
  return tid;
}

/** The OTP as the customer reads it off the phone: the last SMS in the simulator's outbox. */
async function otpFromSms(tid: string): Promise<string> {
  const outbox = (await (await fetch(`${stack.sim.url}/__sim/sms?tid=${tid}`)).json()) as { text: string }[];
  const otp = /^(\d+) is the OTP/.exec(outbox.at(-1)?.text ?? '')?.[1];
  if (!otp) throw new Error(`no OTP texted for tid ${tid}`);
  return otp;
}

const facts = (label: string) =>
  page.locator('dl.facts dt', { hasText: label }).locator('xpath=following-sibling::dd[1]');

test('sign in with a key: the session is a cookie the page cannot read', async () => {
  await page.goto(stack.url);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await screenshot(page, '01-sign-in');
  await page.getByLabel('API key').fill('not-a-key-of-this-api-0123456789');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: 'not known' }).waitFor();

  await signIn('support');
  await page.getByText('Signed in as').waitFor();
  expect(await page.getByRole('navigation', { name: 'Main' }).textContent()).toContain('Start a refund');
  expect(await page.evaluate('document.cookie')).toBe('');
  const [cookie] = await context.cookies();
  expect(cookie).toMatchObject({ name: 'refund_session', httpOnly: true, sameSite: 'Strict' });
  await screenshot(page, '02-work-queue-first-sign-in');
});

test('start a refund by tid, and watch it reach AWAITING_OTP', async () => {
  const tid = newTid();
  stack.sim.seed({ tid, amount: '1200.00', fee: '12.00' });
  await signIn('support');
  await page.getByRole('link', { name: 'Start a refund' }).click();
  await page.getByLabel('Transaction id (tid)').fill(tid);
  await page.getByLabel('Reason (optional)').fill('agent returned the cash');
  await page.getByRole('button', { name: 'Start refund' }).click();
  await page.getByRole('heading', { name: `Refund of tid ${tid}` }).waitFor();
  await page.getByText('Refund started.').waitFor();
  await facts('Phase').filter({ hasText: RefundPhase.AWAITING_OTP }).waitFor();
  expect(page.url()).toBe(`${stack.url}/#/refunds/${tid}`);
  const description = await stack.server.env.client.workflow.getHandle(`refund-${tid}`).describe();
  expect(await description.memo).toMatchObject({ requestedBy: 'test-support' });
  await screenshot(page, '03-refund-started');
});

test('a wrong OTP shows the attempts left; the right one reaches REFUNDED without a reload', async () => {
  const tid = await refundAwaitingOtp();
  await signIn('support');
  await page.goto(`${stack.url}/#/refunds/${tid}`);
  await page.getByText('Live: this page follows the refund').waitFor();
  // Set in the page: a reload would lose it.
  await page.evaluate('window.notReloaded = true');
  await screenshot(page, '04-refund-awaiting-otp');

  const otp = await otpFromSms(tid);
  const wrong = otp === '999999' ? '999998' : '999999';
  await page.getByLabel("Customer's OTP").fill(wrong);
  await page.getByRole('button', { name: 'Submit OTP' }).click();
  await page.getByRole('status').filter({ hasText: '2 attempt(s) left' }).waitFor();
  await facts('OTP attempts left').filter({ hasText: '2 (1 wrong)' }).waitFor();
  expect(await page.getByLabel("Customer's OTP").inputValue()).toBe('');
  await screenshot(page, '05-wrong-otp');

  await page.getByLabel("Customer's OTP").fill(otp);
  await page.getByLabel("Customer's OTP").press('Enter');
  await page
    .getByRole('status')
    .filter({ hasText: /^Refunded: /i })
    .waitFor();
  await facts('Phase').filter({ hasText: 'REFUNDED' }).waitFor();
  await page.getByText('The refund ended: REFUNDED.').waitFor();
  await facts('Refunded').filter({ hasText: '5050.00' }).waitFor();
  expect(await page.evaluate('window.notReloaded')).toBe(true);
  expect(stack.sim.transaction(tid)?.refundCount).toBe(1);
  await screenshot(page, '06-refunded');

  // The OTP is in no URL, stored state or console line.
  expect(page.url()).not.toContain(otp);
  expect(await page.evaluate('[localStorage.length, sessionStorage.length]')).toEqual([0, 0]);
  expect(await page.evaluate<number>('history.length')).toBeLessThan(5);
  expect(consoleMessages.join('\n')).not.toContain(otp);
  expect(stack.logs.join('\n')).not.toContain(otp);
});

test('cancel a refund with a reason', async () => {
  const tid = await refundAwaitingOtp();
  await signIn('support');
  await page.goto(`${stack.url}/#/refunds/${tid}`);
  await page.getByText('Live: this page follows the refund').waitFor();
  await page.getByRole('button', { name: 'Cancel refund' }).click();
  // The reason is required: nothing was sent.
  expect((await stack.refunds.getState(tid)).phase).toBe(RefundPhase.AWAITING_OTP);
  await page.getByLabel('Reason for cancelling').fill('customer took the cash back');
  await page.getByRole('button', { name: 'Cancel refund' }).click();
  await page.getByRole('status').filter({ hasText: 'The refund was cancelled.' }).waitFor();
  await facts('Phase').filter({ hasText: 'CANCELLED' }).waitFor();
  await page.getByRole('button', { name: 'Cancel refund' }).waitFor({ state: 'hidden' });
  await page.getByText('customer took the cash back').first().waitFor();
  await screenshot(page, '07-cancelled');
});

test('a viewer sees the refund and no buttons to act on it', async () => {
  const tid = await refundAwaitingOtp();
  await signIn('viewer');
  expect(await page.getByRole('link', { name: 'Start a refund' }).count()).toBe(0);
  await page.goto(`${stack.url}/#/refunds/${tid}`);
  await facts('Phase').filter({ hasText: RefundPhase.AWAITING_OTP }).waitFor();
  for (const name of ['Submit OTP', 'Resend OTP', 'Cancel refund', 'Start refund']) {
    expect(await page.getByRole('button', { name }).count()).toBe(0);
  }
  expect(await page.getByRole('textbox').count()).toBe(0);
  await screenshot(page, '08-viewer-refund');
});

test('the refunds list filters by phase and finds a tid', async () => {
  const tid = await refundAwaitingOtp();
  await signIn('viewer');
  await page.getByRole('link', { name: 'Refunds', exact: true }).click();
  await page.getByLabel('Phase').selectOption('AWAITING_OTP');
  await page.getByRole('button', { name: 'Show' }).click();
  await page.getByRole('link', { name: tid }).waitFor();
  await screenshot(page, '02-refunds-list-awaiting-otp');
  await page.getByLabel('Open tid').fill(tid);
  await page.getByLabel('Open tid').press('Enter');
  await page.getByRole('heading', { name: `Refund of tid ${tid}` }).waitFor();
});

test('the summary counts refunds and charts outcomes by day', async () => {
  const tid = await refundAwaitingOtp();
  await stack.refunds.submitOtp(tid, { otp: stack.sim.lastOtp(tid)! });
  await waitFor(
    'the refund in the counts',
    () => stack.refunds.count({ status: 'completed', phase: 'REFUNDED' as never }),
    (n) => n > 0,
  );
  await signIn('viewer');
  await page.getByRole('link', { name: 'Summary' }).click();
  await page.getByRole('img', { name: /Outcomes over the last 7 days/ }).waitFor();
  const ended = page.getByRole('table', { name: 'Ended, by outcome' });
  expect(
    Number(
      await ended
        .getByRole('row', { name: /REFUNDED/ })
        .getByRole('cell')
        .textContent(),
    ),
  ).toBeGreaterThan(0);
  expect(await page.locator('svg.chart rect').count()).toBeGreaterThan(0);
  await screenshot(page, '09-summary');
});

test('at phone width the refund page fits the screen', async () => {
  const tid = await refundAwaitingOtp();
  await page.setViewportSize(PHONE);
  await signIn('support');
  await page.goto(`${stack.url}/#/refunds/${tid}`);
  await facts('Phase').filter({ hasText: RefundPhase.AWAITING_OTP }).waitFor();
  await page.getByRole('button', { name: 'Submit OTP' }).waitFor();
  expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
  await screenshot(page, '10-phone-refund');
  await page.getByRole('link', { name: 'Refunds', exact: true }).click();
  await page.getByRole('heading', { name: 'Refunds' }).waitFor();
  await screenshot(page, '11-phone-refunds-list');
});

test('the API reference page reads without signing in, under the strict CSP', async () => {
  const refused: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) refused.push(message.text());
  });
  page.on('pageerror', (error) => refused.push(error.message));
  await page.goto(`${stack.url}/docs`);
  await page.getByRole('heading', { name: /Eko refunds API/ }).waitFor();
  // Swagger UI lists every operation of the document, the OTP submission once.
  const doc = (await (await fetch(`${stack.url}/openapi.json`)).json()) as { paths: Record<string, object> };
  const operations = Object.values(doc.paths).reduce((sum, methods) => sum + Object.keys(methods).length, 0);
  expect(await page.locator('.opblock').count()).toBe(operations);
  expect(await page.getByRole('button', { name: /^POST \/v1\/refunds\/\{tid\}\/otp / }).count()).toBe(1);
  await page.getByRole('heading', { name: 'Problem types' }).waitFor();
  await screenshot(page, '12-api-reference');

  // A problem's `type` leads to its row in the problem types (a fresh load, as from a link),
  // scrolled into view once Swagger UI has rendered it.
  await page.goto('about:blank');
  await page.goto(`${stack.url}/docs#problem-rate-limited`);
  const row = page.locator('#problem-rate-limited');
  await row.waitFor();
  const inView =
    "(() => { const r = document.getElementById('problem-rate-limited').getBoundingClientRect(); " +
    'return r.top >= 0 && r.bottom <= innerHeight; })()';
  await waitFor(
    'the problem row in view',
    () => page.evaluate(inView),
    (seen) => seen === true,
  );
  expect(await row.textContent()).toContain('Rate limited');
  await screenshot(page, '13-api-reference-problem-type');
  expect(refused).toEqual([]);
});
