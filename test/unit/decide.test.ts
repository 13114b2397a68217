import type { InquiryResult, OtpRequestResult, SubmitResult } from '../../src/activities/results';
import { describeTxStatus, type RejectReason, TxStatus } from '../../src/eko/answers';
import {
  CANCELLABLE_PHASES,
  type EkoAnswerSummary,
  isOutcome,
  type Phase,
  RefundOutcome,
  RefundPhase,
  type RefundState,
} from '../../src/contract';
import { addNote, decide, type DecideContext, initialState, type RefundEvent } from '../../src/workflows/decide';

// ---- fixtures ----

const TID = '13192443';
const T0 = Date.parse('2025-03-01T10:00:00.000Z');
const SECOND = 1_000;
const HOUR = 3_600 * SECOND;
const OTP_TIMEOUT = 24 * HOUR;
const MAX_OTP_ATTEMPTS = 3;
// decide.ts keeps these private; the query state must stay short whatever happens.
const MAX_TRANSITIONS = 20;
const MAX_NOTES = 20;

const iso = (ms: number) => new Date(ms).toISOString();
const ctxAt = (now: number, overrides: Partial<DecideContext> = {}): DecideContext => ({
  now,
  requestOtp: true,
  maxOtpAttempts: MAX_OTP_ATTEMPTS,
  otpTimeoutMs: OTP_TIMEOUT,
  ...overrides,
});
const CTX = ctxAt(T0 + SECOND);

const eko = (overrides: Partial<EkoAnswerSummary> = {}): EkoAnswerSummary => ({
  status: 0,
  message: 'Success',
  at: iso(T0),
  ...overrides,
});
const txAnswer = (txStatus: number) =>
  eko({ txStatus, txStatusDesc: describeTxStatus(txStatus), responseTypeId: 1472, message: 'Transaction found' });

const inquiry = (txStatus: number): InquiryResult => ({ kind: 'settled', txStatus, eko: txAnswer(txStatus) });
const inquiryRejected = (reason: RejectReason, status: number, message: string): InquiryResult => ({
  kind: 'rejected',
  reason,
  eko: eko({ status, message }),
});
const TID_UNKNOWN = inquiryRejected('tid_unknown', 168, 'TID does not exist');

const REFUND_AMOUNTS = {
  refundTid: '2147591637',
  refundedAmount: '5050.00',
  amount: '5000.00',
  fee: '50.0',
  balance: '2222637312.86',
};

const submit = {
  refunded: (): SubmitResult => ({
    kind: 'refunded',
    refund: REFUND_AMOUNTS,
    eko: eko({ responseTypeId: 74, message: 'Refund done' }),
  }),
  pending: (txStatus = TxStatus.Initiated): SubmitResult => ({
    kind: 'pending',
    txStatus,
    refund: REFUND_AMOUNTS,
    eko: txAnswer(txStatus),
  }),
  settled: (txStatus: number): SubmitResult => ({ kind: 'settled', txStatus, eko: txAnswer(txStatus) }),
  wrongOtp: (): SubmitResult => ({ kind: 'wrong_otp', eko: eko({ status: 302, message: 'Wrong OTP' }) }),
  otpExpired: (): SubmitResult => ({ kind: 'otp_expired', eko: eko({ status: 303, message: 'OTP expired' }) }),
  rejected: (reason: RejectReason, status: number | undefined, message: string): SubmitResult => ({
    kind: 'rejected',
    reason,
    eko: eko({ status, message }),
  }),
};

const otpSent = (otpRefId = 'ref-1'): OtpRequestResult => ({
  kind: 'sent',
  otpRefId,
  eko: eko({ responseTypeId: 2133, message: 'OTP sent to the customer' }),
});

const on = {
  checked: (txStatus: number): RefundEvent => ({ type: 'checked', result: inquiry(txStatus) }),
  checkRejected: (): RefundEvent => ({ type: 'checked', result: TID_UNKNOWN }),
  otpSent: (otpRefId?: string): RefundEvent => ({ type: 'otp_requested', result: otpSent(otpRefId) }),
  /** Eko refused to send an OTP; `then` is the inquiry made right after the refusal. */
  otpRefused: (then: InquiryResult = inquiry(TxStatus.RefundPending)): RefundEvent => ({
    type: 'otp_requested',
    result: {
      kind: 'refused',
      eko: eko({ status: 1, message: 'Transaction is not in a refundable state.' }),
      inquiry: then,
    },
  }),
  otpRequestFailed: (message = 'Eko.server_error: 502'): RefundEvent => ({ type: 'otp_request_failed', message }),
  otpReceived: (): RefundEvent => ({ type: 'otp_received' }),
  resend: (): RefundEvent => ({ type: 'resend_requested' }),
  otpTimedOut: (then?: InquiryResult): RefundEvent => ({ type: 'otp_timed_out', result: then }),
  cancelled: (reason = 'customer walked away'): RefundEvent => ({ type: 'cancelled', reason }),
  answered: (result: SubmitResult): RefundEvent => ({ type: 'refund_answered', result }),
  settled: (txStatus: number): RefundEvent => ({ type: 'settled', result: inquiry(txStatus) }),
  settleRejected: (): RefundEvent => ({ type: 'settled', result: TID_UNKNOWN }),
  gaveUp: (message = 'the refund was not final before the poll deadline'): RefundEvent => ({
    type: 'gave_up',
    message,
  }),
};

const fresh = () => initialState(TID, MAX_OTP_ATTEMPTS, T0);
const replay = (events: RefundEvent[], ctx = CTX, start = fresh()) =>
  events.reduce((state, event) => decide(state, event, ctx), start);

/** The events the workflow feeds, in order, to reach each working phase on the happy path. */
const PATH_TO: Record<RefundPhase, RefundEvent[]> = {
  [RefundPhase.CHECKING]: [],
  [RefundPhase.SENDING_OTP]: [on.checked(TxStatus.RefundPending)],
  [RefundPhase.AWAITING_OTP]: [on.checked(TxStatus.RefundPending), on.otpSent()],
  [RefundPhase.SUBMITTING]: [on.checked(TxStatus.RefundPending), on.otpSent(), on.otpReceived()],
  [RefundPhase.PENDING]: [
    on.checked(TxStatus.RefundPending),
    on.otpSent(),
    on.otpReceived(),
    on.answered(submit.pending()),
  ],
};
const stateIn = (phase: RefundPhase) => replay(PATH_TO[phase]);

/** One path to each outcome, as the workflow would feed it. */
const PATH_TO_OUTCOME: Record<RefundOutcome, RefundEvent[]> = {
  [RefundOutcome.REFUNDED]: [on.checked(TxStatus.Refunded)],
  [RefundOutcome.NOT_REFUNDABLE]: [on.checked(TxStatus.Success)],
  [RefundOutcome.FAILED]: [...PATH_TO[RefundPhase.PENDING], on.settled(TxStatus.Fail)],
  [RefundOutcome.OTP_EXPIRED]: [...PATH_TO[RefundPhase.AWAITING_OTP], on.otpTimedOut()],
  [RefundOutcome.CANCELLED]: [...PATH_TO[RefundPhase.AWAITING_OTP], on.cancelled()],
  [RefundOutcome.NEEDS_REVIEW]: [...PATH_TO[RefundPhase.PENDING], on.gaveUp()],
};

/** One of every kind of event, for "whatever arrives" tests. */
const EVERY_EVENT: [string, RefundEvent][] = [
  ['checked 3', on.checked(TxStatus.RefundPending)],
  ['checked rejected', on.checkRejected()],
  ['otp_requested sent', on.otpSent()],
  ['otp_requested refused', on.otpRefused()],
  ['otp_request_failed', on.otpRequestFailed()],
  ['otp_received', on.otpReceived()],
  ['resend_requested', on.resend()],
  ['otp_timed_out', on.otpTimedOut()],
  ['cancelled', on.cancelled()],
  ['refund_answered refunded', on.answered(submit.refunded())],
  ['refund_answered pending', on.answered(submit.pending())],
  ['refund_answered wrong_otp', on.answered(submit.wrongOtp())],
  ['refund_answered rejected', on.answered(submit.rejected('other', 1237, 'rejected'))],
  ['settled 4', on.settled(TxStatus.Refunded)],
  ['settled rejected', on.settleRejected()],
  ['gave_up', on.gaveUp()],
];

const lastTransition = (state: RefundState) => state.transitions[state.transitions.length - 1];

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** mulberry32: a tiny seeded PRNG, so a failing sequence can be replayed from its seed. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---- specification ----

describe('initialState', () => {
  it('starts in CHECKING with no outcome, full OTP attempts, and one transition from nowhere', () => {
    const state = initialState(TID, 5, T0);
    expect(state).toMatchObject({
      tid: TID,
      phase: RefundPhase.CHECKING,
      createdAt: iso(T0),
      updatedAt: iso(T0),
      wrongOtpAttempts: 0,
      otpAttemptsLeft: 5,
      resendCount: 0,
      submittedToEko: false,
      notes: [],
    });
    expect(state.outcome).toBeUndefined();
    expect(state.otpDeadline).toBeUndefined();
    expect(state.transitions).toEqual([
      { from: null, to: RefundPhase.CHECKING, at: iso(T0), reason: expect.any(String) },
    ]);
  });
});

describe('CHECKING', () => {
  it('tx_status 4 → REFUNDED, with no refund call', () => {
    const next = decide(fresh(), on.checked(TxStatus.Refunded), CTX);
    expect(next.phase).toBe(RefundOutcome.REFUNDED);
    expect(next.submittedToEko).toBe(false);
    expect(next.transitions.map((t) => t.to)).not.toContain(RefundPhase.SUBMITTING);
    expect(lastTransition(next)).toMatchObject({
      from: RefundPhase.CHECKING,
      reason: expect.stringMatching(/no refund call/),
    });
  });

  it.each([
    [TxStatus.Success, 'Success'],
    [TxStatus.Fail, 'Fail'],
  ])('tx_status %p (%s) → NOT_REFUNDABLE', (txStatus, desc) => {
    const next = decide(fresh(), on.checked(txStatus), CTX);
    expect(next.phase).toBe(RefundOutcome.NOT_REFUNDABLE);
    expect(lastTransition(next).reason).toContain(desc);
  });

  it('tx_status 3 with requestOtp true → SENDING_OTP', () => {
    const next = decide(fresh(), on.checked(TxStatus.RefundPending), ctxAt(T0, { requestOtp: true }));
    expect(next.phase).toBe(RefundPhase.SENDING_OTP);
    expect(next.otpDeadline).toBeUndefined();
  });

  it('tx_status 3 with requestOtp false → AWAITING_OTP, with otpDeadline = now + otpTimeout', () => {
    const now = T0 + 5 * SECOND;
    const next = decide(fresh(), on.checked(TxStatus.RefundPending), ctxAt(now, { requestOtp: false }));
    expect(next.phase).toBe(RefundPhase.AWAITING_OTP);
    expect(next.otpDeadline).toBe(iso(now + OTP_TIMEOUT));
  });

  it("rejected inquiry (168 TID unknown) → NOT_REFUNDABLE, with Eko's code and message", () => {
    const next = decide(fresh(), on.checkRejected(), CTX);
    expect(next.phase).toBe(RefundOutcome.NOT_REFUNDABLE);
    expect(lastTransition(next).reason).toMatch(/code 168.*TID does not exist/);
  });

  it('an inquiry refusal it cannot read → NEEDS_REVIEW at once (never a money decision on a message)', () => {
    const next = decide(fresh(), { type: 'checked', result: inquiryRejected('other', 1, 'Invalid request') }, CTX);
    expect(next.phase).toBe(RefundOutcome.NEEDS_REVIEW);
  });

  it('gave_up (no final status before the poll deadline) → NEEDS_REVIEW', () => {
    const next = decide(fresh(), on.gaveUp('Eko did not report a final status'), CTX);
    expect(next.phase).toBe(RefundOutcome.NEEDS_REVIEW);
    expect(lastTransition(next).reason).toBe('Eko did not report a final status');
  });

  it('cancelled → CANCELLED with the reason', () => {
    const next = decide(fresh(), on.cancelled('duplicate request'), CTX);
    expect(next.phase).toBe(RefundOutcome.CANCELLED);
    expect(lastTransition(next).reason).toContain('duplicate request');
  });

  // Contract, Phases 1: "`2`, `5`, unknown → keep inquiring (same polling as PENDING) until it settles."
  it.each([
    [TxStatus.Initiated, 'Initiated'],
    [TxStatus.OnHold, 'On Hold'],
    [99, 'unknown'],
  ])('tx_status %p (%s) → keeps inquiring (stays CHECKING), never NOT_REFUNDABLE', (txStatus) => {
    const next = decide(fresh(), on.checked(txStatus), CTX);
    expect(next.phase).toBe(RefundPhase.CHECKING);
  });
});

describe('SENDING_OTP', () => {
  it('sent → AWAITING_OTP, with otpDeadline = now + otpTimeout', () => {
    const now = T0 + 7 * SECOND;
    const next = decide(stateIn(RefundPhase.SENDING_OTP), on.otpSent(), ctxAt(now));
    expect(next.phase).toBe(RefundPhase.AWAITING_OTP);
    expect(next.otpDeadline).toBe(iso(now + OTP_TIMEOUT));
  });

  it('sent → never keeps the otp_ref_id in the state', () => {
    const next = decide(stateIn(RefundPhase.SENDING_OTP), on.otpSent('otp-ref-SECRET-42'), CTX);
    expect(JSON.stringify(next)).not.toContain('otp-ref-SECRET-42');
  });

  // eko-api.md: a refusal of Get Refund OTP is a question, not an answer: the inquiry decides.
  it.each<[string, InquiryResult, Phase]>([
    ['refunded elsewhere (tx_status 4)', inquiry(TxStatus.Refunded), RefundOutcome.REFUNDED],
    ['still refund pending (3): the customer holds an OTP', inquiry(TxStatus.RefundPending), RefundPhase.AWAITING_OTP],
    ['tx_status 0', inquiry(TxStatus.Success), RefundOutcome.NOT_REFUNDABLE],
    ['tx_status 1', inquiry(TxStatus.Fail), RefundOutcome.NOT_REFUNDABLE],
    ['tx_status 2 (not final)', inquiry(TxStatus.Initiated), RefundPhase.CHECKING],
    ['the tid unknown', TID_UNKNOWN, RefundOutcome.NOT_REFUNDABLE],
    ['an inquiry refusal it cannot read', inquiryRejected('other', 1, 'Invalid request'), RefundOutcome.NEEDS_REVIEW],
  ])('refused, then the inquiry finds %s → %s', (_what, then, phase) => {
    const next = decide(stateIn(RefundPhase.SENDING_OTP), on.otpRefused(then), CTX);
    expect(next.phase).toBe(phase);
  });

  it('refused while still refund pending → AWAITING_OTP saying Eko did not send one, with an otpDeadline', () => {
    const next = decide(stateIn(RefundPhase.SENDING_OTP), on.otpRefused(), CTX);
    expect(lastTransition(next).reason).toMatch(
      /Eko did not send an OTP \(Transaction is not in a refundable state\.\)/,
    );
    expect(next.otpDeadline).toBeDefined();
    expect(next.lastEkoAnswer?.message).toBe('Transaction is not in a refundable state.');
  });

  it('otp_request_failed → AWAITING_OTP anyway, with the reason and an otpDeadline', () => {
    const now = T0 + 9 * SECOND;
    const next = decide(stateIn(RefundPhase.SENDING_OTP), on.otpRequestFailed('Eko.server_error: 502'), ctxAt(now));
    expect(next.phase).toBe(RefundPhase.AWAITING_OTP);
    expect(lastTransition(next).reason).toContain('Eko.server_error: 502');
    expect(next.otpDeadline).toBe(iso(now + OTP_TIMEOUT));
  });

  it('cancelled → CANCELLED with the reason', () => {
    const next = decide(stateIn(RefundPhase.SENDING_OTP), on.cancelled('support closed the ticket'), CTX);
    expect(next.phase).toBe(RefundOutcome.CANCELLED);
    expect(lastTransition(next).reason).toContain('support closed the ticket');
  });
});

describe('AWAITING_OTP', () => {
  it('otp_received → SUBMITTING with submittedToEko true', () => {
    const next = decide(stateIn(RefundPhase.AWAITING_OTP), on.otpReceived(), CTX);
    expect(next.phase).toBe(RefundPhase.SUBMITTING);
    expect(next.submittedToEko).toBe(true);
  });

  it('resend_requested → SENDING_OTP with resendCount + 1', () => {
    const before = stateIn(RefundPhase.AWAITING_OTP);
    const once = decide(before, on.resend(), CTX);
    expect(once.phase).toBe(RefundPhase.SENDING_OTP);
    expect(once.resendCount).toBe(before.resendCount + 1);
    const twice = replay([on.otpSent(), on.resend()], CTX, once);
    expect(twice.resendCount).toBe(before.resendCount + 2);
  });

  it('otp_timed_out → OTP_EXPIRED', () => {
    const next = decide(stateIn(RefundPhase.AWAITING_OTP), on.otpTimedOut(), CTX);
    expect(next.phase).toBe(RefundOutcome.OTP_EXPIRED);
  });

  // The inquiry at the OTP deadline catches a refund applied meanwhile (elsewhere, or by a reset run).
  it.each<[string, InquiryResult, Phase]>([
    ['still refund pending', inquiry(TxStatus.RefundPending), RefundOutcome.OTP_EXPIRED],
    ['refunded', inquiry(TxStatus.Refunded), RefundOutcome.REFUNDED],
    ['tx_status 1', inquiry(TxStatus.Fail), RefundOutcome.NOT_REFUNDABLE],
    ['tx_status 2 (a refund under way)', inquiry(TxStatus.Initiated), RefundPhase.PENDING],
    ['an inquiry refusal', TID_UNKNOWN, RefundOutcome.OTP_EXPIRED],
  ])('otp_timed_out, the inquiry at the deadline finds %s → %s', (_what, then, phase) => {
    const next = decide(stateIn(RefundPhase.AWAITING_OTP), on.otpTimedOut(then), CTX);
    expect(next.phase).toBe(phase);
  });

  it('cancelled → CANCELLED with the reason', () => {
    const next = decide(stateIn(RefundPhase.AWAITING_OTP), on.cancelled('customer refused'), CTX);
    expect(next.phase).toBe(RefundOutcome.CANCELLED);
    expect(next.outcome).toBe(RefundOutcome.CANCELLED);
    expect(lastTransition(next).reason).toContain('customer refused');
  });

  it.each<[string, RefundEvent[]]>([
    ['a resend', [on.resend(), on.otpSent()]],
    ['a resend whose OTP request failed', [on.resend(), on.otpRequestFailed()]],
    ['a wrong OTP', [on.otpReceived(), on.answered(submit.wrongOtp())]],
    ['an expired OTP (303)', [on.otpReceived(), on.answered(submit.otpExpired()), on.otpSent()]],
  ])('otpDeadline is set once: %s does not extend it', (_what, events) => {
    const firstAt = T0 + 10 * SECOND;
    const waiting = replay(PATH_TO[RefundPhase.AWAITING_OTP], ctxAt(firstAt));
    expect(waiting.otpDeadline).toBe(iso(firstAt + OTP_TIMEOUT));

    const back = replay(events, ctxAt(firstAt + 2 * HOUR), waiting);
    expect(back.phase).toBe(RefundPhase.AWAITING_OTP);
    expect(back.otpDeadline).toBe(iso(firstAt + OTP_TIMEOUT));
  });
});

describe('SUBMITTING', () => {
  const submitting = () => stateIn(RefundPhase.SUBMITTING);

  it('refunded → REFUNDED with the refund amounts', () => {
    const next = decide(submitting(), on.answered(submit.refunded()), CTX);
    expect(next.phase).toBe(RefundOutcome.REFUNDED);
    expect(next.refund).toEqual(REFUND_AMOUNTS);
    expect(lastTransition(next).reason).toContain('Refund done');
  });

  it.each([TxStatus.Initiated, TxStatus.RefundPending, TxStatus.OnHold])(
    'pending (tx_status %p) → PENDING with the refund amounts, still submittedToEko',
    (txStatus) => {
      const next = decide(submitting(), on.answered(submit.pending(txStatus)), CTX);
      expect(next.phase).toBe(RefundPhase.PENDING);
      expect(next.refund).toEqual(REFUND_AMOUNTS);
      expect(next.submittedToEko).toBe(true);
    },
  );

  it.each([
    [TxStatus.Refunded, RefundOutcome.REFUNDED],
    [TxStatus.Fail, RefundOutcome.FAILED],
    [TxStatus.Success, RefundOutcome.NEEDS_REVIEW],
  ])('settled by the inquiry before a retry: tx_status %p → %s', (txStatus, outcome) => {
    const next = decide(submitting(), on.answered(submit.settled(txStatus)), CTX);
    expect(next.phase).toBe(outcome);
  });

  it('wrong_otp → AWAITING_OTP, counting the attempt, with otpAttemptsLeft and submittedToEko false', () => {
    const next = decide(submitting(), on.answered(submit.wrongOtp()), CTX);
    expect(next).toMatchObject({
      phase: RefundPhase.AWAITING_OTP,
      wrongOtpAttempts: 1,
      otpAttemptsLeft: MAX_OTP_ATTEMPTS - 1,
      submittedToEko: false,
    });
    expect(lastTransition(next).reason).toContain(`${MAX_OTP_ATTEMPTS - 1} attempt(s) left`);
  });

  it('wrong_otp for the maxOtpAttempts-th time → OTP_EXPIRED with no attempts left', () => {
    const wrongOnce = [on.otpReceived(), on.answered(submit.wrongOtp())];
    const afterTwo = replay([...wrongOnce, ...wrongOnce], CTX, stateIn(RefundPhase.AWAITING_OTP));
    expect(afterTwo).toMatchObject({ phase: RefundPhase.AWAITING_OTP, wrongOtpAttempts: 2, otpAttemptsLeft: 1 });

    const afterThree = replay(wrongOnce, CTX, afterTwo);
    expect(afterThree).toMatchObject({
      phase: RefundOutcome.OTP_EXPIRED,
      outcome: RefundOutcome.OTP_EXPIRED,
      wrongOtpAttempts: 3,
      otpAttemptsLeft: 0,
    });
  });

  it('wrong_otp with maxOtpAttempts 1 → OTP_EXPIRED at once', () => {
    const ctx = ctxAt(T0, { maxOtpAttempts: 1 });
    const start = initialState(TID, 1, T0);
    const next = replay([...PATH_TO[RefundPhase.SUBMITTING], on.answered(submit.wrongOtp())], ctx, start);
    expect(next).toMatchObject({ phase: RefundOutcome.OTP_EXPIRED, wrongOtpAttempts: 1, otpAttemptsLeft: 0 });
  });

  it('otp_expired (303) → SENDING_OTP for a new OTP, with submittedToEko false', () => {
    const next = decide(submitting(), on.answered(submit.otpExpired()), CTX);
    expect(next.phase).toBe(RefundPhase.SENDING_OTP);
    expect(next.submittedToEko).toBe(false);
    expect(next.wrongOtpAttempts).toBe(0);
  });

  it.each<[RejectReason, number, string]>([
    ['tid_unknown', 168, 'TID does not exist'],
    ['not_refundable', 1, 'Transaction is not refundable'],
  ])('rejected (%s) → NOT_REFUNDABLE', (reason, status, message) => {
    const next = decide(submitting(), on.answered(submit.rejected(reason, status, message)), CTX);
    expect(next.phase).toBe(RefundOutcome.NOT_REFUNDABLE);
    expect(lastTransition(next).reason).toContain(message);
  });

  it.each<[RejectReason, number, string]>([
    ['insufficient_balance', 347, 'Insufficient balance'],
    ['other', 1237, 'Something Eko did not expect'],
  ])("rejected (%s) → FAILED, carrying Eko's code and message in the transition reason", (reason, status, message) => {
    const next = decide(submitting(), on.answered(submit.rejected(reason, status, message)), CTX);
    expect(next.phase).toBe(RefundOutcome.FAILED);
    expect(lastTransition(next).reason).toContain(`code ${status}`);
    expect(lastTransition(next).reason).toContain(message);
  });

  it("rejected without a code → FAILED, carrying Eko's message", () => {
    const next = decide(submitting(), on.answered(submit.rejected('other', undefined, 'Bad request')), CTX);
    expect(next.phase).toBe(RefundOutcome.FAILED);
    expect(lastTransition(next).reason).toContain('Bad request');
    expect(lastTransition(next).reason).not.toContain('code');
  });

  // The activity confirms every refusal by inquiry: a refusal reaches here only with tx_status still 3.
  it('rejected (already_refunded) while the inquiry still says refund pending → NEEDS_REVIEW, never re-sent', () => {
    const next = decide(submitting(), on.answered(submit.rejected('already_refunded', 1, 'Already refunded')), CTX);
    expect(next.phase).toBe(RefundOutcome.NEEDS_REVIEW);
    expect(lastTransition(next).reason).toMatch(/still refund pending/);
  });

  it('gave_up (retry bound of the refund call) → NEEDS_REVIEW', () => {
    const next = decide(submitting(), on.gaveUp('the refund call kept failing'), CTX);
    expect(next.phase).toBe(RefundOutcome.NEEDS_REVIEW);
    expect(lastTransition(next).reason).toBe('the refund call kept failing');
  });

  // Money-safety: "2/5/unknown → PENDING, no POST".
  it.each([TxStatus.Initiated, TxStatus.OnHold, 99])(
    'settled by the inquiry before a retry: tx_status %p → PENDING, not NEEDS_REVIEW',
    (txStatus) => {
      const next = decide(submitting(), on.answered(submit.settled(txStatus)), CTX);
      expect(next.phase).toBe(RefundPhase.PENDING);
    },
  );
});

describe('PENDING', () => {
  const pending = () => stateIn(RefundPhase.PENDING);

  it.each([
    [TxStatus.Refunded, RefundOutcome.REFUNDED],
    [TxStatus.Fail, RefundOutcome.FAILED],
    [TxStatus.Success, RefundOutcome.NEEDS_REVIEW],
  ])('settled tx_status %p → %s', (txStatus, outcome) => {
    const next = decide(pending(), on.settled(txStatus), CTX);
    expect(next.phase).toBe(outcome);
    expect(next.outcome).toBe(outcome);
  });

  it('settled tx_status 4 keeps the refund amounts Eko reported when it accepted the refund', () => {
    const next = decide(pending(), on.settled(TxStatus.Refunded), CTX);
    expect(next.refund).toEqual(REFUND_AMOUNTS);
  });

  it('rejected inquiry → NEEDS_REVIEW', () => {
    const next = decide(pending(), on.settleRejected(), CTX);
    expect(next.phase).toBe(RefundOutcome.NEEDS_REVIEW);
    expect(lastTransition(next).reason).toContain('TID does not exist');
  });

  it('gave_up (poll deadline) → NEEDS_REVIEW with the message', () => {
    const next = decide(pending(), on.gaveUp('the refund was not final before the poll deadline'), CTX);
    expect(next.phase).toBe(RefundOutcome.NEEDS_REVIEW);
    expect(lastTransition(next).reason).toBe('the refund was not final before the poll deadline');
  });

  // Contract, Phases 5: "`2`, `3`, `5`, unknown → keep polling with backoff".
  it.each([TxStatus.Initiated, TxStatus.RefundPending, TxStatus.OnHold, 99])(
    'settled tx_status %p → keeps polling (stays PENDING)',
    (txStatus) => {
      const next = decide(pending(), on.settled(txStatus), CTX);
      expect(next.phase).toBe(RefundPhase.PENDING);
    },
  );
});

describe('cancellation', () => {
  // Contract, Money-safety: "Cancellation is honoured only before SUBMITTING." decide applies
  // `cancelled` in any phase; only the workflow's cancel validator and loop guard keep it out.
  it.each([RefundPhase.SUBMITTING, RefundPhase.PENDING])(
    'cancelled in %s (refund reached Eko) is not honoured: no CANCELLED outcome',
    (phase) => {
      const next = decide(stateIn(phase), on.cancelled('too late'), CTX);
      expect(next.phase).toBe(phase);
      expect(next.outcome).toBeUndefined();
    },
  );
});

describe('terminal states', () => {
  it.each(Object.values(RefundOutcome))('%s ignores every further event: decide returns the same state', (outcome) => {
    const terminal = replay(PATH_TO_OUTCOME[outcome]);
    expect(terminal.phase).toBe(outcome);
    const changedBy = EVERY_EVENT.filter(([, event]) => decide(terminal, event, ctxAt(T0 + HOUR)) !== terminal);
    expect(changedBy.map(([name]) => name)).toEqual([]);
  });
});

describe('outcome', () => {
  it('is set, equal to the phase, exactly when the phase is terminal', () => {
    for (const phase of Object.values(RefundPhase)) expect(stateIn(phase).outcome).toBeUndefined();
    for (const outcome of Object.values(RefundOutcome)) expect(replay(PATH_TO_OUTCOME[outcome]).outcome).toBe(outcome);
  });
});

describe('lastEkoAnswer', () => {
  it.each<[string, RefundPhase, RefundEvent]>([
    ['checked', RefundPhase.CHECKING, on.checked(TxStatus.RefundPending)],
    ['checked (rejected)', RefundPhase.CHECKING, on.checkRejected()],
    ['otp_requested', RefundPhase.SENDING_OTP, on.otpSent()],
    ['refund_answered', RefundPhase.SUBMITTING, on.answered(submit.wrongOtp())],
    ['settled', RefundPhase.PENDING, on.settled(TxStatus.Refunded)],
  ])('%s → lastEkoAnswer becomes the Eko answer it carries', (_name, phase, event) => {
    const next = decide(stateIn(phase), event, CTX);
    expect('result' in event && next.lastEkoAnswer).toEqual('result' in event && event.result?.eko);
  });

  it.each<[string, RefundPhase, RefundEvent]>([
    ['otp_request_failed', RefundPhase.SENDING_OTP, on.otpRequestFailed()],
    ['otp_received', RefundPhase.AWAITING_OTP, on.otpReceived()],
    ['resend_requested', RefundPhase.AWAITING_OTP, on.resend()],
    ['gave_up', RefundPhase.PENDING, on.gaveUp()],
  ])('%s (no Eko answer) → lastEkoAnswer unchanged', (_name, phase, event) => {
    const before = stateIn(phase);
    expect(before.lastEkoAnswer).toBeDefined();
    expect(decide(before, event, CTX).lastEkoAnswer).toEqual(before.lastEkoAnswer);
  });
});

describe('transitions', () => {
  it('records from, to, at (ISO of ctx.now) and a reason, and moves updatedAt', () => {
    const now = T0 + 42 * SECOND;
    const next = decide(fresh(), on.checked(TxStatus.RefundPending), ctxAt(now));
    expect(next.transitions).toHaveLength(2);
    expect(lastTransition(next)).toEqual({
      from: RefundPhase.CHECKING,
      to: RefundPhase.SENDING_OTP,
      at: iso(now),
      reason: expect.stringMatching(/refund pending/i),
    });
    expect(next.updatedAt).toBe(iso(now));
    expect(next.createdAt).toBe(iso(T0));
  });

  it(`keeps only the last ${MAX_TRANSITIONS}, dropping the oldest`, () => {
    let state = stateIn(RefundPhase.AWAITING_OTP);
    for (let i = 1; i <= 15; i++) state = replay([on.resend(), on.otpSent()], ctxAt(T0 + i * SECOND), state);
    const last = decide(state, on.otpReceived(), ctxAt(T0 + HOUR));

    expect(last.transitions).toHaveLength(MAX_TRANSITIONS);
    expect(last.transitions[0].from).not.toBeNull(); // the opening transition was dropped
    expect(lastTransition(last)).toMatchObject({
      from: RefundPhase.AWAITING_OTP,
      to: RefundPhase.SUBMITTING,
      at: iso(T0 + HOUR),
    });
    expect(last.resendCount).toBe(15);
  });
});

describe('addNote', () => {
  it('appends the note stamped with the time and moves updatedAt', () => {
    const now = T0 + 3 * SECOND;
    const next = addNote(fresh(), 'dropped an otp signal: otp: otp must be 4 to 8 digits', now);
    expect(next.notes).toEqual([`${iso(now)} dropped an otp signal: otp: otp must be 4 to 8 digits`]);
    expect(next.updatedAt).toBe(iso(now));
    expect(next.phase).toBe(RefundPhase.CHECKING);
  });

  it(`keeps only the last ${MAX_NOTES} notes, dropping the oldest`, () => {
    let state = fresh();
    for (let i = 1; i <= MAX_NOTES + 5; i++) state = addNote(state, `note ${i}`, T0 + i);
    expect(state.notes).toHaveLength(MAX_NOTES);
    expect(state.notes[0]).toBe(`${iso(T0 + 6)} note 6`);
    expect(state.notes[MAX_NOTES - 1]).toBe(`${iso(T0 + MAX_NOTES + 5)} note ${MAX_NOTES + 5}`);
  });

  it('does not mutate the state it is given', () => {
    const state = deepFreeze(fresh());
    const snapshot = structuredClone(state);
    addNote(state, 'a note', T0 + 1);
    expect(state).toEqual(snapshot);
  });

  it('notes survive later transitions', () => {
    const noted = addNote(stateIn(RefundPhase.AWAITING_OTP), 'ignored a resendOtp signal', T0 + 1);
    expect(decide(noted, on.otpReceived(), CTX).notes).toEqual(noted.notes);
  });
});

describe('decide never mutates its input', () => {
  it.each(Object.values(RefundPhase))('in %s, whatever the event', (phase) => {
    for (const [name, event] of EVERY_EVENT) {
      const state = deepFreeze(stateIn(phase));
      const snapshot = structuredClone(state);
      decide(state, deepFreeze(structuredClone(event)), CTX); // a write to a frozen object throws in strict mode
      expect({ name, state }).toEqual({ name, state: snapshot });
    }
  });
});

describe('property: random event sequences', () => {
  const RUNS = 300;
  const pick = <T>(rng: () => number, items: readonly T[]): T => items[Math.floor(rng() * items.length)];
  const TX_STATUSES = [TxStatus.Success, TxStatus.Fail, TxStatus.RefundPending, TxStatus.Refunded];
  const SETTLED_STATUSES = [TxStatus.Success, TxStatus.Fail, TxStatus.Refunded];
  const REASONS: RejectReason[] = [
    'tid_unknown',
    'not_refundable',
    'already_refunded',
    'insufficient_balance',
    'other',
  ];

  /** An event the workflow could feed in this phase (refund.ts `step` and its cancel guard). */
  function workflowEvent(rng: () => number, phase: RefundPhase, secrets: string[]): RefundEvent {
    const cancel = CANCELLABLE_PHASES.includes(phase) ? [() => on.cancelled('random cancel')] : [];
    const options: (() => RefundEvent)[] = (() => {
      switch (phase) {
        case RefundPhase.CHECKING:
          return [() => on.checked(pick(rng, TX_STATUSES)), () => on.checkRejected(), () => on.gaveUp()];
        case RefundPhase.SENDING_OTP:
          return [
            () => {
              const secret = `otp-ref-${Math.floor(rng() * 1e9)}-secret`;
              secrets.push(secret);
              return on.otpSent(secret);
            },
            () => on.otpRefused(),
            () => on.otpRequestFailed(),
          ];
        case RefundPhase.AWAITING_OTP:
          return [() => on.otpReceived(), () => on.resend(), () => on.otpTimedOut()];
        case RefundPhase.SUBMITTING:
          return [
            () => on.answered(submit.refunded()),
            () => on.answered(submit.pending(pick(rng, [TxStatus.Initiated, TxStatus.RefundPending, TxStatus.OnHold]))),
            () => on.answered(submit.settled(pick(rng, SETTLED_STATUSES))),
            () => on.answered(submit.wrongOtp()),
            () => on.answered(submit.wrongOtp()),
            () => on.answered(submit.otpExpired()),
            () => on.answered(submit.rejected(pick(rng, REASONS), 1, 'rejected')),
            () => on.gaveUp(),
          ];
        case RefundPhase.PENDING:
          return [() => on.settled(pick(rng, SETTLED_STATUSES)), () => on.settleRejected(), () => on.gaveUp()];
      }
    })();
    return pick(rng, [...options, ...cancel])();
  }

  const anyEvent = (rng: () => number): RefundEvent => pick(rng, EVERY_EVENT)[1];

  it(`${RUNS} workflow-shaped sequences: submittedToEko holds in SUBMITTING and PENDING, attempts stay bounded, no otp_ref_id leaks`, () => {
    for (let seed = 1; seed <= RUNS; seed++) {
      const rng = mulberry32(seed);
      const maxOtpAttempts = 1 + Math.floor(rng() * 5);
      const requestOtp = rng() < 0.7;
      const secrets: string[] = [];
      let now = T0;
      let state = initialState(TID, maxOtpAttempts, now);

      for (let step = 0; step < 60 && !isOutcome(state.phase); step++) {
        now += Math.floor(rng() * HOUR);
        const ctx = ctxAt(now, { maxOtpAttempts, requestOtp });
        const before = structuredClone(state);
        const event = workflowEvent(rng, state.phase as RefundPhase, secrets);
        const next = decide(deepFreeze(state), event, ctx);
        const where = `seed ${seed}, step ${step}, ${before.phase} + ${event.type}`;

        expect({ where, state }).toEqual({ where, state: before });
        if (next.phase === RefundPhase.SUBMITTING || next.phase === RefundPhase.PENDING) {
          expect({ where, submittedToEko: next.submittedToEko }).toEqual({ where, submittedToEko: true });
        }
        expect(next.wrongOtpAttempts).toBeLessThanOrEqual(maxOtpAttempts);
        expect(next.wrongOtpAttempts + next.otpAttemptsLeft).toBe(maxOtpAttempts);
        expect(next.outcome).toBe(isOutcome(next.phase) ? next.phase : undefined);
        expect(next.transitions.length).toBeLessThanOrEqual(MAX_TRANSITIONS);
        if (next.phase === RefundPhase.AWAITING_OTP) expect(next.otpDeadline).toBeDefined();
        const json = JSON.stringify(next);
        for (const secret of secrets) expect(json).not.toContain(secret);
        state = next;
      }

      // Once terminal, whatever arrives changes nothing.
      if (isOutcome(state.phase)) {
        for (let i = 0; i < 5; i++) expect(decide(state, anyEvent(rng), ctxAt(now + i))).toBe(state);
      }
    }
  });

  it(`${RUNS} arbitrary sequences (any event in any phase): terminal states never change, wrongOtpAttempts ≤ maxOtpAttempts, outcome iff terminal`, () => {
    for (let seed = 1; seed <= RUNS; seed++) {
      const rng = mulberry32(seed * 7919);
      const maxOtpAttempts = 1 + Math.floor(rng() * 5);
      let state = initialState(TID, maxOtpAttempts, T0);
      let terminal: RefundState | undefined;

      for (let step = 0; step < 40; step++) {
        const event = rng() < 0.5 ? on.answered(submit.wrongOtp()) : anyEvent(rng);
        const next = decide(state, event, ctxAt(T0 + step * SECOND, { maxOtpAttempts }));
        if (terminal) expect(next).toBe(terminal);
        expect(next.wrongOtpAttempts).toBeLessThanOrEqual(maxOtpAttempts);
        expect(next.outcome).toBe(isOutcome(next.phase) ? (next.phase as Phase) : undefined);
        if (isOutcome(next.phase)) terminal ??= next;
        state = next;
      }
    }
  });
});

// A worker one release behind answers a refused Get Refund OTP without an inquiry; such answers
// stay in histories and arrive during a rolling upgrade (found by review: decide threw on them).
describe('an OTP refusal in the shape of the release before refund-v2', () => {
  const oldShape: RefundEvent = {
    type: 'otp_requested',
    result: { kind: 'rejected', reason: 'not_refundable', eko: eko({ status: 1, message: 'Not refundable' }) },
  };

  it('for a refund started then (legacy): NOT_REFUNDABLE, as that release decided', () => {
    const next = decide(stateIn(RefundPhase.SENDING_OTP), oldShape, { ...CTX, legacy: true });
    expect(next.phase).toBe(RefundOutcome.NOT_REFUNDABLE);
  });

  it('for a new refund: back to CHECKING, where an inquiry decides', () => {
    const next = decide(stateIn(RefundPhase.SENDING_OTP), oldShape, CTX);
    expect(next.phase).toBe(RefundPhase.CHECKING);
  });
});

// The chaos run found refunds reset to before SUBMITTING and then cancelled ending CANCELLED while
// Eko had refunded them: new refunds inquire before ending CANCELLED.
describe('a cancel before SUBMITTING, with the inquiry made first', () => {
  const cancelledWith = (then: InquiryResult, afterReset = false): RefundEvent => ({
    type: 'cancelled',
    reason: 'customer left',
    result: then,
    afterReset,
  });

  it('the transaction is refunded at Eko → REFUNDED, not CANCELLED', () => {
    const next = decide(stateIn(RefundPhase.AWAITING_OTP), cancelledWith(inquiry(TxStatus.Refunded)), CTX);
    expect(next.phase).toBe(RefundOutcome.REFUNDED);
  });

  it('still refund pending → CANCELLED', () => {
    const next = decide(stateIn(RefundPhase.AWAITING_OTP), cancelledWith(inquiry(TxStatus.RefundPending)), CTX);
    expect(next.phase).toBe(RefundOutcome.CANCELLED);
  });

  // The workflow inquires until the status is final before cancelling; still in flight means it never became so.
  it.each([
    ['a run made by a reset', true],
    ['any other run (one terminated before it may have called)', false],
  ])('still in flight (2) in %s → PENDING: a refund may be under way (found by review)', (_what, afterReset) => {
    const next = decide(stateIn(RefundPhase.AWAITING_OTP), cancelledWith(inquiry(TxStatus.Initiated), afterReset), CTX);
    expect(next.phase).toBe(RefundPhase.PENDING);
  });

  it.each([
    ['no answer', undefined],
    ['a refused inquiry', inquiryRejected('other', 1, 'Service temporarily unavailable')],
  ])('%s in a run made by a reset → PENDING, not CANCELLED (found by review)', (_what, then) => {
    const event: RefundEvent = { type: 'cancelled', reason: 'customer left', result: then };
    expect(decide(stateIn(RefundPhase.AWAITING_OTP), { ...event, afterReset: true }, CTX).phase).toBe(
      RefundPhase.PENDING,
    );
    expect(decide(stateIn(RefundPhase.AWAITING_OTP), event, CTX).phase).toBe(RefundOutcome.CANCELLED);
  });
});

describe('the OTP deadline in a run made by a reset (found by review)', () => {
  it.each([
    ['no answer', undefined],
    ['a refused inquiry', inquiryRejected('other', 1, 'Service temporarily unavailable')],
  ])('%s → PENDING: the run before may have sent a refund call; otherwise OTP_EXPIRED', (_what, then) => {
    const event: RefundEvent = { type: 'otp_timed_out', result: then };
    expect(decide(stateIn(RefundPhase.AWAITING_OTP), { ...event, afterReset: true }, CTX).phase).toBe(
      RefundPhase.PENDING,
    );
    expect(decide(stateIn(RefundPhase.AWAITING_OTP), event, CTX).phase).toBe(RefundOutcome.OTP_EXPIRED);
  });
});
