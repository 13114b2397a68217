// The console for a support desk's whole day, in a real browser (Debian's Chromium, driven by
// playwright-core) against the real stack with a webhook subscriber: the work queue as the landing
// page, the list's columns and filters with the CSV export, a tid typed in search, resend timing
// and allowance, the session's expiry warned, summary counts opening the list, start many (pasted
// and from a CSV file), and a refund's webhook deliveries with redeliver. Screenshots go to
// test-results/screenshots/desk-*.png.
import fs from 'node:fs';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { RefundOutcome, RefundPhase, type RefundInput } from '../../src/contract';
import type { Role } from '../../src/api/keys';
import { TxStatus } from '../../src/eko/answers';
import { EVENT_TYPES } from '../../src/client';
import type { SeedInput } from '../../simulator';
import { type ApiServer, startApiServer, TEST_KEYS } from '../helpers/api-stack';
import { launchChromium, screenshot } from '../helpers/browser';
import { newTid, type RefundStack, startAwaitingOtp, startRefundStack } from '../helpers/refund-stack';
import { waitFor } from '../helpers/wait';
import { startWebhookReceiver, type WebhookReceiver } from '../../tools/webhook-receiver';

jest.setTimeout(120_000);
// (No DOM types here: code that runs in the page is passed to the page as a string.)

const LAPTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };
const SECRET = 'desk-webhook-secret-0123456789abcdef';
const ZONE = 'Asia/Kolkata';

let receiver: WebhookReceiver;
let stack: RefundStack;
let api: ApiServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
/** What the page must never do: break the CSP or throw. */
let pageProblems: string[] = [];

beforeAll(async () => {
  receiver = await startWebhookReceiver(SECRET);
  stack = await startRefundStack({
    webhooks: [{ name: 'desk', url: receiver.url, secret: SECRET, events: EVENT_TYPES }],
  });
  api = await startApiServer(stack.refunds, { eventsPollMs: 250 });
  browser = await launchChromium();
}, 90_000);
afterAll(async () => {
  await browser?.close();
  await api?.close();
  await stack?.stop();
  await receiver?.close();
});
beforeEach(async () => {
  pageProblems = [];
  context = await browser.newContext({ viewport: LAPTOP });
  page = await context.newPage();
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) pageProblems.push(message.text());
  });
  page.on('pageerror', (error) => pageProblems.push(error.message));
});
afterEach(async () => {
  await context?.close();
  expect(pageProblems).toEqual([]);
});

// ---- the stack ----

/** A refund waiting for the OTP, visible as such in the list (visibility lags the workflow a little). */
async function awaiting(seed: Omit<SeedInput, 'tid'> = {}, input: Partial<RefundInput> = {}): Promise<string> {
  const tid = await startAwaitingOtp(stack, seed, input);
  await listed(tid, (row) => row.phase === RefundPhase.AWAITING_OTP && row.otpDeadline !== undefined);
  return tid;
}

/** A refund that ended with `outcome` (FAILED: Eko's 347; NEEDS_REVIEW: success after a refund call). */
async function ended(outcome: RefundOutcome.FAILED | RefundOutcome.NEEDS_REVIEW): Promise<string> {
  const seed: Omit<SeedInput, 'tid'> =
    outcome === RefundOutcome.FAILED
      ? { amount: '2500.00', rejectRefund: { status: 347, message: 'Insufficient balance' } }
      : { amount: '3100.00', refundMode: 'pending', refundPendingInquiries: 1, refundSettlesTo: TxStatus.Success };
  const tid = await startAwaitingOtp(stack, seed);
  await stack.refunds.submitOtp(tid, { otp: stack.sim.lastOtp(tid)! });
  expect(await stack.refunds.result(tid)).toMatchObject({ outcome });
  await listed(tid, (row) => row.phase === outcome && row.status === 'COMPLETED');
  return tid;
}

type Row = {
  tid: string;
  phase: string;
  status: string;
  otpDeadline?: string;
  otpAttemptsLeft?: number;
  startedAt: string;
};
async function listed(tid: string, done: (row: Row) => boolean): Promise<Row> {
  const answer = await waitFor(
    `tid ${tid} in the list`,
    () => api.call('viewer', 'GET', `/v1/refunds?tid=${tid}`),
    (a) => a.status === 200 && a.body.refunds.length > 0 && done(a.body.refunds[0]),
  );
  return answer.body.refunds[0];
}

// ---- the page ----

async function signIn(role: Role): Promise<void> {
  await page.goto(api.url);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.getByLabel('API key').fill(TEST_KEYS[role].key);
  await page.getByLabel('API key').press('Enter');
  await page.getByRole('heading', { name: 'Work queue' }).waitFor();
}

/** Waits until the locator's text matches (Playwright's auto-waiting, not a sleep). */
const hasText = (locator: Locator, text: string | RegExp) => locator.filter({ hasText: text }).first().waitFor();

/** The cell of a column in the row of a tid (each cell carries its column's name). */
const cellOf = (scope: Page | Locator, tid: string, column: string) =>
  scope
    .getByRole('row')
    .filter({ has: page.getByRole('link', { name: tid, exact: true }) })
    .locator(`[data-label="${column}"]`);

const facts = (label: string) =>
  page.locator('dl.facts dt', { hasText: label }).locator('xpath=following-sibling::dd[1]');

const dayIn = (iso: string) => new Intl.DateTimeFormat('en-CA', { timeZone: ZONE }).format(new Date(iso));

// ---- the tests ----

test('the work queue is the landing page: waiting for an OTP by nearest deadline, then NEEDS_REVIEW, then recent FAILED', async () => {
  const [later, soon, middle, review, failed] = await Promise.all([
    awaiting({ amount: '700.00' }, { otpTimeout: '3 hours' }),
    awaiting({ amount: '5000.00' }, { otpTimeout: '10 minutes' }),
    awaiting({ amount: '1200.00' }, { otpTimeout: '1 hour' }),
    ended(RefundOutcome.NEEDS_REVIEW),
    ended(RefundOutcome.FAILED),
  ]);
  await signIn('support');
  expect(page.url()).toBe(`${api.url}/`);

  // The parts in the desk's order, each with its count once read.
  const parts = page.locator('main h2');
  for (const i of [0, 1, 2]) await hasText(parts.nth(i), /\(\d+\+?\)$/);
  expect(await parts.allTextContents()).toEqual([
    expect.stringMatching(/^Waiting for the customer's OTP \(\d+\)$/),
    expect.stringMatching(/^Needs review \(\d+\)$/),
    expect.stringMatching(/^Failed in the last 7 days \(\d+\)$/),
  ]);

  const waiting = page.getByRole('region', { name: /Waiting for the customer's OTP/ });
  await waiting.getByRole('link', { name: later, exact: true }).waitFor();
  const order = (await waiting.locator('tbody th a').allTextContents()).filter((t) =>
    [later, soon, middle].includes(t),
  );
  expect(order).toEqual([soon, middle, later]);

  // The columns: amount, the OTP deadline counting down (marked when it is near), attempts left, Eko's message.
  expect(await cellOf(waiting, soon, 'Amount').textContent()).toBe('5000.00');
  expect(await cellOf(waiting, soon, 'Attempts left').textContent()).toBe('3');
  expect(await cellOf(waiting, soon, "Eko's last message").textContent()).not.toBe('—');
  const deadline = cellOf(waiting, soon, 'OTP deadline').locator('time.countdown');
  expect(await deadline.getAttribute('class')).toContain('soon');
  const before = (await deadline.textContent())!;
  expect(before).toMatch(/^in \d+ min \d\d s$/);
  await deadline.filter({ hasNotText: before }).waitFor(); // it ticks
  expect(await cellOf(waiting, later, 'OTP deadline').locator('time.countdown').getAttribute('class')).not.toContain(
    'soon',
  );

  const needsReview = page.getByRole('region', { name: /Needs review/ });
  await needsReview.getByRole('link', { name: review, exact: true }).waitFor();
  expect(await cellOf(needsReview, review, 'Amount').textContent()).toBe('3100.00');
  const recentFailures = page.getByRole('region', { name: /Failed in the last 7 days/ });
  await hasText(cellOf(recentFailures, failed, "Eko's last message"), /Insufficient balance/);
  expect(await waiting.getByRole('link', { name: failed, exact: true }).count()).toBe(0);
  await screenshot(page, 'desk-01-work-queue');

  await needsReview.getByRole('link', { name: review, exact: true }).click();
  await page.getByRole('heading', { name: `Refund of tid ${review}` }).waitFor();
  await facts('Outcome').filter({ hasText: 'NEEDS_REVIEW' }).waitFor();
});

test('the list shows amount, OTP deadline counting down, attempts left and Eko’s message; filters by phase, day and requester; exports CSV', async () => {
  const tid = newTid();
  stack.sim.seed({ tid, amount: '4321.00', fee: '43.00' });
  expect((await api.call('service', 'POST', '/v1/refunds', { tid })).status).toBe(201);
  const row = await listed(tid, (r) => r.phase === RefundPhase.AWAITING_OTP && r.otpDeadline !== undefined);
  await signIn('viewer');
  await page.getByRole('link', { name: 'Refunds', exact: true }).click();
  await page.getByRole('heading', { name: 'Refunds' }).waitFor();
  await page.getByLabel('Phase').selectOption('AWAITING_OTP');
  await page.getByLabel('Requested by').fill('test-service');
  await page.getByRole('button', { name: 'Show' }).click();
  await page.getByRole('link', { name: tid, exact: true }).waitFor();
  expect(page.url()).toContain('phase=AWAITING_OTP');

  expect(await cellOf(page, tid, 'Phase').textContent()).toBe('AWAITING_OTP');
  expect(await cellOf(page, tid, 'Amount').textContent()).toBe('4321.00');
  expect(await cellOf(page, tid, 'Attempts left').textContent()).toBe(String(row.otpAttemptsLeft)); // the server's policy
  expect(await cellOf(page, tid, 'Requested by').textContent()).toBe('test-service');
  expect(await cellOf(page, tid, "Eko's last message").textContent()).not.toBe('—');
  const deadline = cellOf(page, tid, 'OTP deadline').locator('time.countdown');
  const before = (await deadline.textContent())!;
  expect(before).toMatch(/^in \d+ (days \d+ h|h \d\d min|min \d\d s)$/);
  expect(await deadline.getAttribute('datetime')).toBe(row.otpDeadline);
  await screenshot(page, 'desk-02-refunds-list');

  // The export: the same filters, as CSV, with the session (no key in the page).
  const exportLink = page.getByRole('link', { name: 'Export as CSV' });
  expect(await exportLink.getAttribute('href')).toMatch(/^\/v1\/refunds\/export\.csv\?.*phase=AWAITING_OTP/);
  const [download] = await Promise.all([page.waitForEvent('download'), exportLink.click()]);
  const csv = fs.readFileSync((await download.path())!, 'utf8');
  expect(csv.split('\n')[0]).toMatch(/^tid,/);
  expect(csv).toContain(`${tid},AWAITING_OTP`);

  // Days are the refunds' time zone's: from the day it started it shows, from the next day it does not.
  const day = dayIn(row.startedAt);
  await page.getByLabel('Started from').fill(day);
  await page.getByLabel('Started until').fill(day);
  await page.getByRole('button', { name: 'Show' }).click();
  const shown = page.locator('.filter-summary');
  await hasText(shown, `Refunds in AWAITING_OTP, started ${day} to ${day}, requested by test-service, newest first.`);
  await page.getByRole('link', { name: tid, exact: true }).waitFor();
  const next = new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  await page.getByLabel('Started from').fill(next);
  await page.getByLabel('Started until').fill('');
  await page.getByRole('button', { name: 'Show' }).click();
  await hasText(shown, `started from ${next}, requested by test-service`);
  expect(await page.getByText('No refunds match.').count()).toBe(1);
  await page.getByText(`Days are in ${ZONE}.`).waitFor();

  await page.getByLabel('Started from').fill('');
  await page.getByLabel('Requested by').fill('someone-else');
  await page.getByRole('button', { name: 'Show' }).click();
  await hasText(shown, 'Refunds in AWAITING_OTP, requested by someone-else, newest first.');
  expect(await page.getByText('No refunds match.').count()).toBe(1);
});

test('a tid typed in the search box opens its refund at once; an unknown one offers to start it', async () => {
  const tid = await awaiting();
  await signIn('support');
  const search = page.getByRole('searchbox', { name: 'Open tid' });
  await search.fill(tid);
  await search.press('Enter');
  await page.getByRole('heading', { name: `Refund of tid ${tid}` }).waitFor();
  expect(page.url()).toBe(`${api.url}/#/refunds/${tid}`);
  await facts('Phase').filter({ hasText: RefundPhase.AWAITING_OTP }).waitFor();
  expect(await search.inputValue()).toBe('');

  // Not a tid: nothing opens.
  await search.fill('12ab');
  await search.press('Enter');
  expect(page.url()).toBe(`${api.url}/#/refunds/${tid}`);

  const unknown = newTid();
  await search.fill(unknown);
  await search.press('Enter');
  await page.getByText(`No refund for tid ${unknown}.`).waitFor();
  await page.getByRole('link', { name: `Start a refund of tid ${unknown}` }).click();
  await page.getByRole('heading', { name: 'Start a refund' }).waitFor();
  expect(await page.getByLabel('Transaction id (tid)').inputValue()).toBe(unknown);
});

test('resend shows when it is allowed and how many are left', async () => {
  const tid = await awaiting({}, { resendInterval: '12s' });
  await signIn('support');
  await page.goto(`${api.url}/#/refunds/${tid}`);
  await page.getByText('Live: this page follows the refund').waitFor();
  const resend = page.getByRole('button', { name: 'Resend OTP' });
  const hint = page.locator('#resend-hint');
  await hasText(hint, /^A new OTP can be requested in \d+ s, at .+\. Resends: 5 left \(of the default 5\)\.$/);
  expect(await resend.isDisabled()).toBe(true);
  await facts('OTP resent').filter({ hasText: '0 time(s), 5 left of the default 5' }).waitFor();
  await facts('OTP deadline').locator('time.countdown').waitFor();
  await screenshot(page, 'desk-03-refund-resend-wait');

  // The countdown reaches the time the state gives (resendAllowedAt), and the button comes back.
  await hasText(hint, 'A new OTP can be requested now. Resends: 5 left (of the default 5).');
  expect(await resend.isEnabled()).toBe(true);
  await resend.click();
  await page
    .getByRole('status')
    .filter({ hasText: 'Eko is texting the customer a new OTP (resent 1 time(s)).' })
    .waitFor();
  await facts('OTP resent').filter({ hasText: '1 time(s), 4 left of the default 5' }).waitFor();
  await hasText(hint, /^A new OTP can be requested in \d+ s, .*Resends: 4 left \(of the default 5\)\.$/);
  expect(await resend.isDisabled()).toBe(true);
  expect((await stack.refunds.getState(tid)).resendCount).toBe(1);
  await screenshot(page, 'desk-04-refund-resent');
});

test('a session about to expire is warned of, and at its end the console asks to sign in again', async () => {
  await page.clock.install();
  await signIn('viewer');
  const warning = page.locator('#session-warning');
  expect(await warning.isHidden()).toBe(true);
  // Sessions last 8 hours: 9 minutes before the end the warning shows.
  await page.clock.fastForward('07:51:00');
  await page
    .getByRole('alert')
    .filter({ hasText: /^Your session ends at .+\. Sign in again before then/ })
    .waitFor();
  await hasText(warning, /Time left: in \d+ min \d\d s/);
  await page.getByRole('button', { name: 'Sign in again now' }).waitFor();
  await screenshot(page, 'desk-05-session-warning');

  await page.clock.fastForward('00:10:00');
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.getByText('Your session ended: sign in again to go on.').waitFor();
  expect(await warning.isHidden()).toBe(true);
  expect(await page.getByRole('navigation', { name: 'Main' }).isHidden()).toBe(true);
});

test('summary counts open the list filtered to them', async () => {
  const [cancelled, waiting] = await Promise.all([awaiting(), awaiting()]);
  await stack.refunds.cancel(cancelled, { reason: 'customer took the cash back', actor: 'test' });
  await listed(cancelled, (r) => r.phase === RefundOutcome.CANCELLED && r.status === 'COMPLETED');
  await waitFor(
    'the cancelled refund in the counts',
    () => stack.refunds.count({ status: 'completed', phase: RefundOutcome.CANCELLED }),
    (n) => n > 0,
  );
  await signIn('viewer');
  await page.getByRole('link', { name: 'Summary' }).click();
  await page.getByRole('img', { name: /Outcomes over the last 7 days/ }).waitFor();
  // The days are the desk's (REFUND_TIME_ZONE, Asia/Kolkata by default), as the API counts them.
  await page.getByText('Days from midnight to midnight, Asia/Kolkata.').waitFor();
  await screenshot(page, 'desk-06-summary');

  const ended = page.getByRole('table', { name: 'Ended, by outcome' });
  await ended.getByRole('link', { name: /^\d+ CANCELLED: open the list$/ }).click();
  await page.getByRole('heading', { name: 'Refunds' }).waitFor();
  expect(page.url()).toBe(`${api.url}/#/refunds?outcome=CANCELLED`);
  await page.getByRole('link', { name: cancelled, exact: true }).waitFor();
  expect(await page.getByLabel('Phase').inputValue()).toBe('CANCELLED');
  expect(new Set(await page.locator('tbody [data-label="Phase"]').allTextContents())).toEqual(new Set(['CANCELLED']));

  await page.goBack();
  const running = page.getByRole('table', { name: 'Running, by phase' });
  await running.getByRole('link', { name: /^\d+ AWAITING_OTP: open the list$/ }).click();
  expect(page.url()).toBe(`${api.url}/#/refunds?phase=AWAITING_OTP`);
  await page.getByRole('link', { name: waiting, exact: true }).waitFor();
  expect(await page.getByRole('link', { name: cancelled, exact: true }).count()).toBe(0);
});

test('start many: pasted tids and a CSV file, each with its own result', async () => {
  const [first, second, fromFile1, fromFile2] = [newTid(), newTid(), newTid(), newTid()];
  for (const tid of [first, second, fromFile1, fromFile2]) stack.sim.seed({ tid });
  const running = await awaiting();
  await signIn('support');
  await page.getByRole('link', { name: 'Start many' }).click();
  await page.getByRole('heading', { name: 'Start many refunds' }).waitFor();

  await page.getByLabel('Transaction ids (tids)').fill(`${first}, ${second}\nnot-a-tid\n${running}\n${first}`);
  await page.getByLabel('Reason (optional, for every refund)').fill('agent returned the cash');
  await page.getByRole('button', { name: 'Start refunds' }).click();
  await page
    .getByRole('status')
    .filter({ hasText: '4 tid(s): 2 started, 1 already running, 1 invalid, 0 failed.' })
    .waitFor();
  const results = page.getByRole('table', { name: 'Result per tid' });
  const resultOf = async (tid: string) =>
    (await results.getByRole('row').filter({ hasText: tid }).locator('[data-label="Result"]').textContent())?.trim();
  expect(await resultOf(first)).toBe('started');
  expect(await resultOf(second)).toBe('started');
  expect(await resultOf(running)).toBe('already running');
  expect(await resultOf('not-a-tid')).toBe('invalid');
  expect(
    await results.getByRole('row').filter({ hasText: 'not-a-tid' }).locator('[data-label="Detail"]').textContent(),
  ).toMatch(/\S/);
  const description = await stack.server.env.client.workflow.getHandle(`refund-${first}`).describe();
  expect(await description.memo).toMatchObject({ requestedBy: 'test-support' });
  await screenshot(page, 'desk-07-batch-pasted');

  // A CSV file with a tid column (as the export writes it).
  await page.getByLabel('Or read them from a CSV file').setInputFiles({
    name: 'tids.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(`note,tid\r\n"first, quoted","${fromFile1}"\r\nsecond,${fromFile2}\r\n`),
  });
  await page.getByText('2 tid(s) read from tids.csv: check them, then start.').waitFor();
  expect(await page.getByLabel('Transaction ids (tids)').inputValue()).toBe(`${fromFile1}\n${fromFile2}`);
  await page.getByRole('button', { name: 'Start refunds' }).click();
  await page
    .getByRole('status')
    .filter({ hasText: '2 tid(s): 2 started, 0 already running, 0 invalid, 0 failed.' })
    .waitFor();
  expect(await resultOf(fromFile1)).toBe('started');
  await screenshot(page, 'desk-08-batch-csv');
  await results.getByRole('link', { name: fromFile2, exact: true }).click();
  await page.getByRole('heading', { name: `Refund of tid ${fromFile2}` }).waitFor();
});

test('a viewer cannot start many', async () => {
  await signIn('viewer');
  expect(await page.getByRole('link', { name: 'Start many' }).count()).toBe(0);
  await page.goto(`${api.url}/#/batch`);
  await page.getByRole('heading', { name: 'Not found' }).waitFor();
});

test('a refund’s webhook deliveries, with redeliver for support staff', async () => {
  const tid = await awaiting();
  const event = await waitFor(
    'refund.awaiting_otp at the subscriber',
    async () => receiver.received.find((r) => r.event.data.tid === tid && r.event.type === 'refund.awaiting_otp'),
    (found) => found !== undefined,
  );
  await signIn('support');
  await page.goto(`${api.url}/#/refunds/${tid}`);
  const deliveries = page.getByRole('region', { name: 'Webhook deliveries' });
  const awaitingRow = deliveries.getByRole('row').filter({ hasText: 'refund.awaiting_otp' });
  await hasText(awaitingRow.first().locator('[data-label="State"]'), 'delivered');
  expect(await awaitingRow.first().locator('[data-label="Subscriber"]').textContent()).toBe('desk');
  expect(await awaitingRow.first().locator('[data-label="Last result"]').textContent()).toMatch(/^HTTP 2\d\d$/);

  await deliveries.getByRole('button', { name: 'Redeliver refund.awaiting_otp to desk' }).first().click();
  await deliveries.getByRole('status').filter({ hasText: 'Sending refund.awaiting_otp to desk again.' }).waitFor();
  // The redelivery shows as a delivery of its own, and the subscriber gets the same event id again.
  const redelivery = awaitingRow.filter({ has: page.locator('.badge', { hasText: 'redelivery' }) });
  await hasText(redelivery.locator('[data-label="State"]'), 'delivered');
  await waitFor(
    'the event twice at the subscriber',
    async () => receiver.received.filter((r) => r.event.id === event!.event.id).length,
    (n) => n === 2,
  );

  // The refund moves on: its new event's delivery shows without a reload.
  await page.evaluate('window.notReloaded = true');
  await stack.refunds.submitOtp(tid, { otp: stack.sim.lastOtp(tid)! });
  await hasText(
    deliveries.getByRole('row').filter({ hasText: 'refund.refunded' }).locator('[data-label="State"]'),
    'delivered',
  );
  expect(await page.evaluate('window.notReloaded')).toBe(true);
  await screenshot(page, 'desk-09-refund-deliveries');

  // A viewer sees them and cannot redeliver.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await signIn('viewer');
  await page.goto(`${api.url}/#/refunds/${tid}`);
  await hasText(deliveries.getByRole('row').filter({ hasText: 'refund.refunded' }), 'delivered');
  expect(await deliveries.getByRole('button', { name: /Redeliver/ }).count()).toBe(0);
});

test('at phone width the work queue and start many fit the screen', async () => {
  await awaiting({}, { otpTimeout: '5 minutes' });
  await page.setViewportSize(PHONE);
  await signIn('support');
  await page
    .getByRole('region', { name: /Waiting for the customer's OTP/ })
    .locator('tbody tr')
    .first()
    .waitFor();
  expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
  await screenshot(page, 'desk-10-phone-work-queue');
  await page.getByRole('link', { name: 'Start many' }).click();
  await page.getByRole('heading', { name: 'Start many refunds' }).waitFor();
  expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
});
