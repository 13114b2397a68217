/** The refund rules (src/workflows/rules.ts), one behaviour per test, without Temporal. */
import type { InquiryResult, PrepareResult, SubmitResult } from '../../src/activities/results';
import { FAILURE_TYPES, RefundOutcome, RefundPhase } from '../../src/contract';
import type { EkoAnswerSummary } from '../../src/contract/types';
import {
  answered,
  decide,
  type Message,
  nextStep,
  type Policy,
  type Refund,
  type RefundEvent,
  refusal,
  start,
} from '../../src/workflows/rules';

const NOW = Date.parse('2026-12-06T10:00:00.000Z');
const POLICY: Policy = {
  requestOtp: true,
  maxOtpAttempts: 3,
  maxResends: 2,
  otpTimeoutMs: 24 * 3600_000,
  resendInterval: '60 seconds',
  resendIntervalMs: 60_000,
};
const eko = (message: string, txStatus?: number): EkoAnswerSummary => ({
  message,
  txStatus,
  at: new Date(NOW).toISOString(),
});
const settled = (txStatus: number): InquiryResult => ({ kind: 'settled', txStatus, eko: eko('status', txStatus) });
const OTP: Message = { kind: 'otp', otp: '123456', actor: 'asha' };
const RESEND: Message = { kind: 'resend' };
const CANCEL: Message = { kind: 'cancel', reason: 'customer left', actor: 'asha' };

function run(events: RefundEvent[], policy = POLICY, from = start('13192443', policy, NOW, 'ref-0')): Refund {
  return events.reduce((r, event, i) => decide(r, event, policy, NOW + i), from);
}
const checked = (result: PrepareResult): RefundEvent => ({ type: 'checked', result });
const OTP_SENT = checked({ check: settled(3), otp: { kind: 'sent', otpRefId: 'ref-1', eko: eko('OTP sent') } });
const answer = (result: SubmitResult): RefundEvent => ({ type: 'refund_answered', result });
const arrived = (message: Message): RefundEvent => ({ type: 'arrived', message });
const ATTEND: RefundEvent = { type: 'attend' };
const WRONG = answer({ kind: 'wrong_otp', eko: eko('Wrong OTP') });

describe('CHECKING', () => {
  test.each([
    [4, RefundOutcome.REFUNDED, 'already refunded at Eko: no refund call made'],
    [0, RefundOutcome.NOT_REFUNDABLE, 'transaction is tx_status 0: nothing to refund'],
    [1, RefundOutcome.NOT_REFUNDABLE, 'transaction is tx_status 1: nothing to refund'],
  ])('tx_status %p → %s', (txStatus, outcome, reason) => {
    const r = run([checked({ check: settled(txStatus) })]);
    expect(r.view).toMatchObject({ phase: outcome, outcome });
    expect(r.view.transitions.at(-1)?.reason).toBe(reason);
  });

  test('tx_status 3 and the OTP sent → AWAITING_OTP with a deadline, through SENDING_OTP', () => {
    const r = run([OTP_SENT]);
    expect(r.view.phase).toBe(RefundPhase.AWAITING_OTP);
    expect(r.view.otpDeadline).toBe(new Date(NOW + POLICY.otpTimeoutMs).toISOString());
    expect(r.view.transitions.map((t) => t.to)).toEqual([
      RefundPhase.CHECKING,
      RefundPhase.SENDING_OTP,
      RefundPhase.AWAITING_OTP,
    ]);
    expect(r).toMatchObject({ otpRefId: 'ref-1', otpRequests: 1 });
    expect(JSON.stringify(r.view)).not.toContain('ref-1');
  });

  test('"TID does not exist" → NOT_REFUNDABLE; a refusal it cannot read → NEEDS_REVIEW', () => {
    const refused = (reason: 'tid_unknown' | 'other') =>
      run([checked({ check: { kind: 'rejected', reason, eko: eko('Invalid reference_id') } })]).view.phase;
    expect(refused('tid_unknown')).toBe(RefundOutcome.NOT_REFUNDABLE);
    expect(refused('other')).toBe(RefundOutcome.NEEDS_REVIEW);
  });

  test('the OTP request failing → SENDING_OTP asks again; OTPs typed before it are stale', () => {
    const r = run([arrived(OTP), checked({ check: settled(3), otpFailed: 'HTTP 502' })]);
    expect(r.view.phase).toBe(RefundPhase.SENDING_OTP);
    expect(r.otpRequests).toBe(1);
    expect(nextStep(r)).toEqual({ kind: 'request_otp' });
  });
});

describe('messages wait their turn: handlers decide nothing', () => {
  test('an OTP that arrives in CHECKING, for the OTP Eko texted at failure, is used once the refund waits', () => {
    const policy = { ...POLICY, requestOtp: false };
    const r = run([arrived(OTP), checked({ check: settled(3) }), ATTEND], policy, start('13192443', policy, NOW));
    expect(r.view.phase).toBe(RefundPhase.SUBMITTING);
    expect(nextStep(r)).toEqual({ kind: 'refund_call', otp: { otp: '123456', otpRefId: undefined } });
  });

  test('an OTP typed before the newest OTP was sent is not tried, and no attempt is spent', () => {
    const r = run([arrived(OTP), OTP_SENT, ATTEND]);
    expect(r.view).toMatchObject({ phase: RefundPhase.AWAITING_OTP, otpAttemptsLeft: 3 });
    expect(r.unused[1]).toMatch(/an OTP was not used: it was typed before the newest OTP was sent/);
    expect(answered(r, 1)).toBe(true);
  });

  test('an OTP is bound to the otp_ref_id current when it arrives, not when it is used', () => {
    const r = run([OTP_SENT, arrived(OTP), ATTEND]);
    expect(nextStep(r)).toEqual({ kind: 'refund_call', otp: { otp: '123456', otpRefId: 'ref-1' } });
  });

  test('an OTP that arrives while a wrong one is checked is tried next', () => {
    const r = run([OTP_SENT, arrived(OTP), ATTEND, arrived({ kind: 'otp', otp: '654321' }), WRONG, ATTEND]);
    expect(r.view).toMatchObject({ phase: RefundPhase.SUBMITTING, wrongOtpAttempts: 1 });
    expect(nextStep(r)).toMatchObject({ kind: 'refund_call', otp: { otp: '654321' } });
  });

  test('messages are acted on in arrival order: a resend before an OTP is sent first, and the OTP is then stale', () => {
    const sent = { type: 'otp_requested', result: { kind: 'sent', otpRefId: 'ref-2', eko: eko('OTP sent') } } as const;
    const policy: Policy = { ...POLICY, resendInterval: '1 ms', resendIntervalMs: 1 };
    const r = run([OTP_SENT, arrived(RESEND), arrived(OTP), ATTEND, sent, ATTEND], policy);
    expect(r.view).toMatchObject({ phase: RefundPhase.AWAITING_OTP, resendCount: 1 });
    expect(r.unused[2]).toMatch(/typed before the newest OTP/);
  });

  test('an OTP request that failed may have texted an OTP whose otp_ref_id is unknown: the next call goes without the old one', () => {
    const failedCheck = checked({ check: settled(3), otpFailed: 'Eko answered HTTP 502' });
    const r = run([failedCheck, { type: 'otp_request_failed', message: 'down' }, arrived(OTP), ATTEND]);
    expect(nextStep(r)).toEqual({ kind: 'refund_call', otp: { otp: '123456', otpRefId: undefined } });
  });

  test('once an OTP request had no clear answer (Eko may take it late), no otp_ref_id is trusted again', () => {
    const sent = (otpRefId: string | null) =>
      ({ type: 'otp_requested', result: { kind: 'sent', otpRefId, eko: eko('OTP sent') } }) as const;
    const policy: Policy = { ...POLICY, resendInterval: '1 ms', resendIntervalMs: 1 };
    const r = run([OTP_SENT, arrived(RESEND), ATTEND, sent(null), arrived(RESEND), ATTEND, sent('ref-3')], policy);
    expect(r.otpRefId).toBeNull();
    expect(nextStep(run([arrived(OTP), ATTEND], policy, r))).toEqual({ kind: 'refund_call', otp: { otp: '123456' } });
  });

  test("one workflow task's signals go before its updates, whatever order they came in (a replay gets them so)", () => {
    const task = (route: 'signal' | 'update', message: Message, n = 7): RefundEvent => ({
      type: 'arrived',
      message,
      via: { route, task: n },
    });
    const r = run([OTP_SENT, task('update', OTP), task('signal', RESEND), task('signal', CANCEL, 8)]);
    expect(r.inbox.map((q) => q.message.kind)).toEqual(['resend', 'otp', 'cancel']);
  });

  test('the clock refuses a resend only in the update’s validator; a queued resend is not judged by it', () => {
    // Live and in a replay a queued message may be attended at different times (a speculative
    // task for an update can hand an earlier task's signal over again): its fate cannot hang on it.
    const waiting = run([OTP_SENT]);
    expect(refusal('resend', waiting, POLICY, NOW + 1)).toMatchObject({ type: FAILURE_TYPES.resendTooSoon });
    const r = run([OTP_SENT, arrived(RESEND), ATTEND]);
    expect(r.view.phase).toBe(RefundPhase.SENDING_OTP);
    expect(nextStep(r)).toEqual({ kind: 'request_otp' });
  });

  test('two resends asked for at once text one SMS: the second finds an OTP sent since it came', () => {
    const policy: Policy = { ...POLICY, resendInterval: '1 ms', resendIntervalMs: 1 };
    const sentAgain = { type: 'otp_requested', result: { kind: 'sent', otpRefId: 'ref-2', eko: eko('OTP sent') } };
    const r = run([OTP_SENT, arrived(RESEND), arrived(RESEND), ATTEND, sentAgain as RefundEvent, ATTEND], policy);
    expect(r.view).toMatchObject({ phase: RefundPhase.AWAITING_OTP, resendCount: 1 });
    expect(r.unused[2]).toBe('a resend was not sent: an OTP was sent to the customer since it was asked for');
  });

  test('a mobile typed into a cancel reason or an actor is masked before it is kept anywhere', () => {
    const r = run([
      OTP_SENT,
      arrived({ kind: 'cancel', reason: 'customer 9876543210 left', actor: 'desk 9123456789' }),
    ]);
    expect(r.inbox[0].message).toMatchObject({ reason: 'customer •••••••••• left', actor: 'desk ••••••••••' });
  });

  test('a message for a refund that reached Eko (PENDING) is noted and answered at once, never queued', () => {
    const pending = answer({ kind: 'pending', txStatus: 2, refund: {}, eko: eko('initiated', 2) });
    const r = run([OTP_SENT, arrived(OTP), ATTEND, pending, arrived(CANCEL)]);
    expect(r.inbox).toEqual([]);
    expect(r.unused[2]).toBe('a cancel was not applied: the refund reached Eko and is tracked to its outcome');
  });
});

describe('ending without a refund needs an inquiry made after every possible call', () => {
  test('a cancel is decided by the inquiry before ending: 3 → CANCELLED, naming who', () => {
    const asking = run([OTP_SENT, arrived(CANCEL), ATTEND]);
    expect(nextStep(asking)).toEqual({ kind: 'inquire_before_ending' });
    expect(answered(asking, 1)).toBe(false);
    const r = run([{ type: 'inquired_before_ending', result: settled(3) }], POLICY, asking);
    expect(r.view.outcome).toBe(RefundOutcome.CANCELLED);
    expect(r.view.transitions.at(-1)).toMatchObject({
      reason: 'cancelled before submission: customer left',
      by: 'asha',
    });
  });

  test('the inquiry finds the refund applied (by an earlier run, or at Eko) → REFUNDED', () => {
    const r = run([OTP_SENT, arrived(CANCEL), ATTEND, { type: 'inquired_before_ending', result: settled(4) }]);
    expect(r.view).toMatchObject({ outcome: RefundOutcome.REFUNDED });
    expect(r.view.transitions.at(-1)?.reason).toBe('refunded at Eko: nothing left to cancel');
  });

  test('Eko silent until the poll deadline → NEEDS_REVIEW, never CANCELLED or OTP_EXPIRED', () => {
    const r = run([OTP_SENT, { type: 'deadline_passed' }, ATTEND, { type: 'gave_up', message: 'no final status' }]);
    expect(r.view.outcome).toBe(RefundOutcome.NEEDS_REVIEW);
  });

  test('the OTP deadline: the inquiry says 3 → OTP_EXPIRED; 0 → NOT_REFUNDABLE', () => {
    const deadline: RefundEvent[] = [OTP_SENT, { type: 'deadline_passed' }, ATTEND];
    expect(run([...deadline, { type: 'inquired_before_ending', result: settled(3) }]).view.outcome).toBe(
      RefundOutcome.OTP_EXPIRED,
    );
    expect(run([...deadline, { type: 'inquired_before_ending', result: settled(0) }]).view.outcome).toBe(
      RefundOutcome.NOT_REFUNDABLE,
    );
  });

  test('a cancel during CHECKING cuts the check short; Eko then not knowing the tid is an answer', () => {
    const r = run([arrived(CANCEL), { type: 'cancel_first' }]);
    expect(nextStep(r)).toEqual({ kind: 'inquire_before_ending' });
    const unknown: InquiryResult = { kind: 'rejected', reason: 'tid_unknown', eko: eko('Invalid reference_id') };
    expect(run([{ type: 'inquired_before_ending', result: unknown }], POLICY, r).view.outcome).toBe(
      RefundOutcome.CANCELLED,
    );
  });

  test('Eko no longer knowing a transaction it showed refund pending → NEEDS_REVIEW', () => {
    const unknown: InquiryResult = { kind: 'rejected', reason: 'tid_unknown', eko: eko('Invalid reference_id') };
    const r = run([OTP_SENT, arrived(CANCEL), ATTEND, { type: 'inquired_before_ending', result: unknown }]);
    expect(r.view.outcome).toBe(RefundOutcome.NEEDS_REVIEW);
  });

  test('the last wrong OTP → OTP_EXPIRED: the refund call confirmed it by an inquiry after every possible call', () => {
    const r = run([OTP_SENT, arrived(OTP), ATTEND, WRONG], { ...POLICY, maxOtpAttempts: 1 });
    expect(r.view).toMatchObject({ outcome: RefundOutcome.OTP_EXPIRED, otpAttemptsLeft: 0 });
  });
});

describe('the OTP deadline', () => {
  test('no OTP is requested after it passed: a resend is dropped, a 303 waits for the deadline inquiry', () => {
    const r = run([OTP_SENT, { type: 'deadline_passed' }, arrived(RESEND), ATTEND]);
    expect(r.unused[1]).toBe('a resend was not sent: the OTP deadline passed');
    const expired = run([
      OTP_SENT,
      arrived(OTP),
      ATTEND,
      { type: 'deadline_passed' },
      answer({ kind: 'otp_expired', eko: eko('OTP expired') }),
    ]);
    expect(expired.view.phase).toBe(RefundPhase.AWAITING_OTP);
    expect(nextStep(run([ATTEND], POLICY, expired))).toEqual({ kind: 'inquire_before_ending' });
  });

  test('an OTP queued when it passed is still tried', () => {
    const r = run([OTP_SENT, arrived(OTP), { type: 'deadline_passed' }, ATTEND]);
    expect(r.view.phase).toBe(RefundPhase.SUBMITTING);
  });
});

describe('the refund call', () => {
  const submitting = (): Refund => run([OTP_SENT, arrived(OTP), ATTEND]);

  test('Refund done → REFUNDED with the amounts; the OTP caller is answered', () => {
    const r = run(
      [answer({ kind: 'refunded', refund: { refundTid: '2147591637', amount: '5000.00' }, eko: eko('Refund done') })],
      POLICY,
      submitting(),
    );
    expect(r.view).toMatchObject({ outcome: RefundOutcome.REFUNDED, refund: { amount: '5000.00' } });
    expect(answered(r, 1)).toBe(true);
  });

  test('a wrong OTP counts an attempt and waits again; Eko says the OTP expired → a new OTP is requested', () => {
    expect(run([WRONG], POLICY, submitting()).view).toMatchObject({
      phase: RefundPhase.AWAITING_OTP,
      otpAttemptsLeft: 2,
      submittedToEko: false,
    });
    expect(run([answer({ kind: 'otp_expired', eko: eko('OTP expired') })], POLICY, submitting()).view.phase).toBe(
      RefundPhase.SENDING_OTP,
    );
  });

  test.each([
    ['insufficient_balance', RefundOutcome.FAILED],
    ['not_refundable', RefundOutcome.NOT_REFUNDABLE],
    ['already_refunded', RefundOutcome.NEEDS_REVIEW],
  ] as const)('a confirmed refusal (%s) → %s', (reason, outcome) => {
    expect(run([answer({ kind: 'rejected', reason, eko: eko('no') })], POLICY, submitting()).view.outcome).toBe(
      outcome,
    );
  });

  test('PENDING polls; Eko reporting tx_status 0 after a refund call contradicts it → NEEDS_REVIEW', () => {
    const pending = run(
      [answer({ kind: 'pending', txStatus: 2, refund: {}, eko: eko('initiated', 2) })],
      POLICY,
      submitting(),
    );
    expect(nextStep(pending)).toEqual({ kind: 'poll' });
    expect(run([{ type: 'settled', result: settled(1) }], POLICY, pending).view.outcome).toBe(RefundOutcome.FAILED);
    expect(run([{ type: 'settled', result: settled(0) }], POLICY, pending).view.outcome).toBe(
      RefundOutcome.NEEDS_REVIEW,
    );
  });
});

test('an ended refund changes no more: every further event but an arrival is ignored', () => {
  const ended = run([checked({ check: settled(4) })]);
  for (const event of [ATTEND, { type: 'deadline_passed' }, WRONG] as RefundEvent[])
    expect(decide(ended, event, POLICY, NOW)).toBe(ended);
  expect(run([arrived(OTP)], POLICY, ended).unused[1]).toBe('an OTP was not used: the refund had ended (REFUNDED)');
});

test('notes keep the last 20: thirty messages for a refund that reached Eko', () => {
  const pending = answer({ kind: 'pending', txStatus: 2, refund: {}, eko: eko('initiated', 2) });
  const r = run([OTP_SENT, arrived(OTP), ATTEND, pending, ...Array.from({ length: 30 }, () => arrived(OTP))]);
  expect(r.view.notes).toHaveLength(20);
  expect(r.view.notes.at(-1)).toMatch(/an OTP was not used \(from asha\): the refund reached Eko/);
});
