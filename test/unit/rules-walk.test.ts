/**
 * The refund's rules walked exhaustively: every sequence of up to DEPTH events, from every
 * starting world, through the workflow's pure rules (rules.ts) and the refund call's pure
 * decisions (refund-call.ts, earlier-runs.ts), against a model of Eko that may apply any refund
 * call it received until a settle window after the call ended (the contract's premise).
 *
 * Events: each message (an OTP, a resend, a cancel), the OTP deadline, every answer class Eko's
 * docs show at each step (and its silence), an activity attempt killed before its record reached
 * Temporal, `temporal activity reset --clear-heartbeat-details`, Temporal failing to list the runs,
 * visibility catching up,
 * and time passing between attempts (a retry soon, an attempt later, past a window).
 *
 * Invariants, checked on every step of every sequence:
 * - no refund call while another call (this run's or an earlier run's) may still be applied;
 * - no ending without a refund (CANCELLED, OTP_EXPIRED, NOT_REFUNDABLE, FAILED) while a call may
 *   still be applied, or after Eko applied one; REFUNDED only when Eko did;
 * - every state ends, or waits on something that will come: a step's activity, or the OTP
 *   deadline's timer (a wait whose message or deadline is there makes progress).
 */
import type { InquiryResult, OtpRequestResult, RefundRefusal, SubmitResult } from '../../src/activities/results';
import { type EarlierRun, earlierCallsSettleAt } from '../../src/activities/earlier-runs';
import { type CallRecord, carriedRecord, decideCall, recordOfCall } from '../../src/activities/refund-call';
import { isOutcome, RefundOutcome, RefundPhase } from '../../src/contract';
import type { EkoAnswerSummary } from '../../src/contract/types';
import { decide, nextStep, type Policy, type Refund, type RefundEvent, start } from '../../src/workflows/rules';

const DEPTH = 8;
/** One activity attempt, and the settle window, in the walk's time units. */
const A = 1;
const S = 2;
const POLICY: Policy = {
  requestOtp: true,
  maxOtpAttempts: 2,
  maxResends: 1,
  otpTimeoutMs: 100,
  resendInterval: '1 ms',
  resendIntervalMs: 1,
};
const OWN_RUN = 'this-run';

/** A refund call Eko received: it may be applied until a window after it ended, unless refused. */
interface Call {
  endedBy: number;
  state: 'may_apply' | 'applied' | 'void';
}

interface World {
  t: number;
  /** What Eko holds: 3 until a call is applied (4), or 0, 1, 4 from the start. */
  tx: number;
  calls: Call[];
  /** The earlier run as visibility shows it, if there is one. */
  earlier?: EarlierRun;
  /** The refund call activity as Temporal keeps it: attempt, heartbeat details, when the attempt may start. */
  activity?: { attempt: number; record?: CallRecord; resetSince: boolean; notBefore: number };
}

interface State {
  refund: Refund;
  world: World;
}

type Edge = [label: string, next: State];

/** Eko does not know the transaction at all. */
const UNKNOWN_TID = -1;

const eko = (message: string, txStatus?: number): EkoAnswerSummary => ({ message, txStatus, at: '' });
const settledAt = (txStatus: number): InquiryResult => ({ kind: 'settled', txStatus, eko: eko('status', txStatus) });

class Violation extends Error {}
const violated = (what: string): never => {
  throw new Violation(what);
};

/** Calls whose window has passed can no longer be applied (the premise the settle window rests on). */
function settleCalls(world: World): World {
  const calls = world.calls.map((c) =>
    c.state === 'may_apply' && world.t >= c.endedBy + S ? { ...c, state: 'void' as const } : c,
  );
  return { ...world, calls };
}

/**
 * The answers Eko may give an inquiry now: 4 if it applied a call, or may apply one now; 3 while
 * none applied; and, while one may still be applied, a contradictory 1 (the refund stays possible).
 */
function inquiries(world: World): [number, World][] {
  const w = settleCalls(world);
  if (w.tx !== 3) return [[w.tx, w]];
  const answers: [number, World][] = [[3, w]];
  const index = w.calls.findIndex((c) => c.state === 'may_apply');
  if (index >= 0) {
    const calls = w.calls.map((c, i) => (i === index ? { ...c, state: 'applied' as const } : c));
    answers.push([4, { ...w, tx: 4, calls }], [1, w]);
  }
  return answers;
}

/** Until when the earlier run's calls may be applied, as the activities learn it from Temporal. */
const earlierBound = (world: World): number =>
  earlierCallsSettleAt(world.earlier ? [world.earlier] : [], { ownRunId: OWN_RUN, now: world.t, settleWindowMs: S });

/** An inquiry answer that would end the refund without one waits while an earlier run's call may be applied. */
const heldBack = (tx: number, world: World): boolean => (tx === 0 || tx === 1) && world.t < earlierBound(world);

function step(s: State, event: RefundEvent, world: World = s.world): State {
  const refund = decide(s.refund, event, POLICY, world.t);
  checkEnding(s.refund, refund, world);
  return { refund, world };
}

/** An outcome without a refund needs every call settled and none applied; REFUNDED needs one applied. */
function checkEnding(before: Refund, after: Refund, world: World): void {
  const outcome = after.view.outcome;
  if (!outcome || before.view.outcome) return;
  const w = settleCalls(world);
  if (outcome === RefundOutcome.REFUNDED) {
    if (w.tx !== 4) violated(`REFUNDED while Eko holds tx_status ${w.tx}`);
    return;
  }
  if (outcome === RefundOutcome.NEEDS_REVIEW || w.tx === UNKNOWN_TID) return;
  if (w.tx === 4) violated(`${outcome} after Eko applied a refund call`);
  if (w.calls.some((c) => c.state === 'may_apply')) violated(`${outcome} while a refund call may still be applied`);
}

/** Every next event from a state, with its label. */
function successors(s: State): Edge[] {
  const { refund, world } = s;
  if (isOutcome(refund.view.phase)) return [];
  const edges: Edge[] = [];
  const add = (label: string, next: State) => edges.push([label, next]);
  for (const message of [
    { kind: 'otp' as const, otp: '123456' },
    { kind: 'resend' as const },
    { kind: 'cancel' as const, reason: 'customer left' },
  ]) {
    add(`${message.kind} arrives`, step(s, { type: 'arrived', message }));
  }
  if (refund.view.otpDeadline !== undefined && !refund.deadlinePassed)
    add('deadline', step(s, { type: 'deadline_passed' }));
  if (world.earlier?.running)
    add('visibility catches up', {
      refund,
      world: { ...world, earlier: { ...world.earlier, running: false, closedAt: 0 } },
    });

  const next = nextStep(refund);
  switch (next.kind) {
    case 'done':
      break;
    case 'check':
      checkStep(s, add);
      break;
    case 'request_otp':
      if (refund.inbox.some((q) => q.message.kind === 'cancel'))
        add('gives way to the cancel', step(s, { type: 'cancel_first' }));
      for (const [label, result, after] of otpAnswers(world)) add(`otp request: ${label}`, step(s, result, after));
      break;
    case 'wait': {
      const attended = step(s, { type: 'attend' });
      const due = refund.inbox.length > 0 || refund.deadlinePassed;
      if (due && JSON.stringify(attended.refund) === JSON.stringify(refund)) violated('a due wait makes no progress');
      if (!due && refund.view.otpDeadline === undefined) violated('a wait with no deadline to come');
      if (due) add('attend', attended);
      break;
    }
    case 'refund_call':
      refundCallAttempts(s, add);
      break;
    case 'poll':
      pollStep(s, add);
      break;
    case 'inquire_before_ending':
      endingAttempts(s, add);
      break;
  }
  return edges;
}

function checkStep(s: State, add: (label: string, next: State) => void): void {
  if (s.refund.inbox.some((q) => q.message.kind === 'cancel'))
    add('gives way to the cancel', step(s, { type: 'cancel_first' }));
  add('gave up', step(s, { type: 'gave_up', message: 'poll deadline' }));
  if (s.world.tx === UNKNOWN_TID) {
    const check: InquiryResult = { kind: 'rejected', reason: 'tid_unknown', eko: eko('Invalid reference_id') };
    add('check: tid unknown', step(s, { type: 'checked', result: { check } }));
    return;
  }
  for (const [tx, world] of inquiries(s.world)) {
    const check = settledAt(tx);
    if (heldBack(tx, world)) continue; // the attempt asks again later
    if (tx !== 3) {
      add(`check: ${tx}`, step(s, { type: 'checked', result: { check } }, world));
      continue;
    }
    add('check: 3, OTP failed', step(s, { type: 'checked', result: { check, otpFailed: 'down' } }, world));
    for (const [label, otp, after] of otpAnswers(world)) {
      if (otp.type === 'otp_requested')
        add(`check: 3, ${label}`, step(s, { type: 'checked', result: { check, otp: otp.result } }, after));
    }
  }
}

/** Get Refund OTP's answers, with the world each leaves (the inquiry after a refusal may see a call applied). */
function otpAnswers(world: World): [string, RefundEvent, World][] {
  const sent: OtpRequestResult = { kind: 'sent', otpRefId: 'ref', eko: eko('OTP sent') };
  const answers: [string, RefundEvent, World][] = [
    ['sent', { type: 'otp_requested', result: sent }, world],
    ['failed', { type: 'otp_request_failed', message: 'down' }, world],
  ];
  for (const [tx, after] of inquiries(world)) {
    const inquiry = heldBack(tx, after) ? undefined : settledAt(tx);
    const result: OtpRequestResult = { kind: 'refused', eko: eko('limit'), inquiry };
    answers.push([`refused, inquiry ${tx}`, { type: 'otp_requested', result }, after]);
  }
  return answers;
}

function pollStep(s: State, add: (label: string, next: State) => void): void {
  add('gave up', step(s, { type: 'gave_up', message: 'poll deadline' }));
  for (const [tx, world] of inquiries({ ...s.world, t: s.world.t + A + S })) {
    if (tx === 4) add('poll: 4', step(s, { type: 'settled', result: settledAt(4) }, world));
  }
  if (s.world.calls.some((c) => c.state !== 'void') || s.world.tx === 4) {
    // Eko gave up on the refund it accepted: nothing was or will be applied.
    const failed: World = { ...s.world, tx: 1, calls: s.world.calls.map((c) => ({ ...c, state: 'void' })) };
    if (s.world.tx === 3) add('poll: 1', step(s, { type: 'settled', result: settledAt(1) }, failed));
  }
}

/** Delays before an attempt: a retry soon, an attempt later, past a settle window. */
const DELAYS = [0, A, A + S];

/** One attempt of the inquiry before ending without a refund (inquireBeforeEnding). */
function endingAttempts(s: State, add: (label: string, next: State) => void): void {
  add('gave up', step(s, { type: 'gave_up', message: 'poll deadline' }));
  for (const delay of DELAYS) {
    const world = { ...s.world, t: s.world.t + delay };
    // Temporal not answering, or Eko silent: the attempt fails, nothing changes but the time.
    add(`+${delay}: silence`, { refund: s.refund, world });
    if (world.t < earlierBound(world)) continue; // the attempt waits for the earlier run's calls
    for (const [tx, after] of inquiries(world)) {
      if (tx === 2 || tx === 5) continue; // asked again by the activity
      add(`+${delay}: ending inquiry ${tx}`, step(s, { type: 'inquired_before_ending', result: settledAt(tx) }, after));
    }
  }
}

const REFUSALS: RefundRefusal[] = [
  { kind: 'wrong_otp', eko: eko('Wrong OTP') },
  { kind: 'otp_expired', eko: eko('OTP expired') },
  { kind: 'rejected', reason: 'insufficient_balance', eko: eko('Insufficient balance') },
];

/**
 * One attempt of the refund call, as refundCall runs it: the record taken over, the earlier runs,
 * the inquiry, the decision, the call and its answer, the refusal confirmed. The attempt's record
 * reaches Temporal, or is lost (the worker killed or cut off: the next attempt then comes an
 * attempt later at the earliest); between attempts an operator may reset the activity.
 */
function refundCallAttempts(s: State, add: (label: string, next: State) => void): void {
  const activity = s.world.activity ?? { attempt: 0, resetSince: false, notBefore: s.world.t };
  add(
    'gave up',
    step({ ...s, world: { ...s.world, activity: undefined } }, { type: 'gave_up', message: 'retries ran out' }),
  );
  const resets: [string, typeof activity][] =
    activity.attempt === 0
      ? [['', activity]]
      : [
          ['', activity],
          ['activity reset, ', { ...activity, attempt: 0, resetSince: true, record: undefined }],
        ];
  for (const [resetLabel, before] of resets) {
    for (const delay of DELAYS) {
      const t = Math.max(s.world.t + delay, before.notBefore);
      const attempt = before.attempt + 1;
      const hadEarlier = attempt > 1 || before.resetSince;
      let record = carriedRecord({ attempt, hadEarlierAttempts: hadEarlier, attemptMs: A }, before.record, t);
      const world0: World = { ...s.world, t };
      /** `lost`: the attempt's last record never reached Temporal; what did is `reached`. */
      const retry = (label: string, w: World, kept: CallRecord | undefined, lost: boolean, reached = before.record) => {
        const next = {
          attempt,
          record: lost ? reached : kept,
          resetSince: before.resetSince,
          notBefore: lost ? t + A : t,
        };
        add(`${resetLabel}+${delay}: ${label}${lost ? ' (record lost)' : ''}`, {
          refund: s.refund,
          world: { ...w, activity: next },
        });
      };
      const answered = (label: string, w: World, result: SubmitResult) =>
        add(
          `${resetLabel}+${delay}: ${label}`,
          step({ ...s, world: { ...w, activity: undefined } }, { type: 'refund_answered', result }, w),
        );
      for (const lost of [false, true]) retry('Temporal or Eko silent', world0, record, lost);
      const earlierRunsSettleAt = earlierBound(world0);
      for (const [tx, world1] of inquiries(world0)) {
        const decision = decideCall(
          record,
          { txStatus: tx, inquiredAfter: t },
          { settleWindowMs: S, earlierRunsSettleAt },
        );
        if (decision.kind === 'answered') {
          answered(`inquiry ${tx}`, world1, { kind: 'settled', txStatus: tx, eko: eko('status', tx) });
          continue;
        }
        if (decision.kind === 'wait') {
          for (const lost of [false, true]) retry(`inquiry ${tx}, waits`, world1, record, lost);
          continue;
        }
        if (decision.kind === 'refused') {
          answered('held refusal believed', world1, decision.refusal);
          continue;
        }
        // The call goes out: nothing else may be in flight.
        const live = settleCalls(world1);
        if (live.tx === 4) violated('a refund call after Eko applied one');
        if (live.calls.some((c) => c.state === 'may_apply'))
          violated('a refund call while another may still be applied');
        const { afterAnother } = decision;
        // Sent before the call: a worker killed after it leaves this record, unless it was lost too.
        const preCall = recordOfCall(attempt, 'unclear', { now: t + A, afterAnother });
        const applied: World = { ...live, tx: 4, calls: [...live.calls, { endedBy: t, state: 'applied' }] };
        answered('call: refund done', applied, { kind: 'refunded', refund: {}, eko: eko('Refund done') });
        answered('call: accepted, pending', applied, {
          kind: 'pending',
          txStatus: 2,
          refund: {},
          eko: eko('initiated', 2),
        });
        retry('call: refund done, the answer lost with the worker', applied, undefined, true);
        retry('call: refund done, the worker killed after its pre-call record', applied, preCall, true);
        // Eko may take the call up to its attempt's deadline, and apply it a window after that.
        const unclear: World = { ...live, calls: [...live.calls, { endedBy: t + A, state: 'may_apply' }] };
        for (const lost of [false, true]) retry('call: no clear answer', unclear, preCall, lost);
        retry('call: no clear answer, killed after its pre-call record', unclear, preCall, true, preCall);
        retry(
          'call: refused before applying (403)',
          live,
          recordOfCall(attempt, 'not_applied', { now: t, afterAnother }),
          false,
        );
        for (const refusal of REFUSALS) {
          const refused: World = { ...live, calls: [...live.calls, { endedBy: t, state: 'void' }] };
          record = recordOfCall(attempt, refusal, { now: t, afterAnother });
          retry(`call: ${refusal.kind}, confirming inquiry silent`, refused, record, false);
          retry(`call: ${refusal.kind}, the worker killed`, refused, undefined, true);
          retry(`call: ${refusal.kind}, killed after its pre-call record`, refused, preCall, true, preCall);
          for (const [tx2, world2] of inquiries(refused)) {
            const confirm = decideCall(
              record,
              { txStatus: tx2, inquiredAfter: t },
              { settleWindowMs: S, earlierRunsSettleAt },
            );
            if (confirm.kind === 'call') violated('a call decided with a refusal on record');
            const label = `call: ${refusal.kind}, inquiry ${tx2}`;
            if (confirm.kind === 'wait') retry(label, world2, record, false);
            else
              answered(
                label,
                world2,
                confirm.kind === 'refused'
                  ? confirm.refusal
                  : { kind: 'settled', txStatus: tx2, eko: eko('status', tx2) },
              );
          }
        }
      }
    }
  }
}

/** What decides behaviour: the rules' state but its words and times, and the world relative to now. */
function keyOf({ refund: r, world: w }: State): string {
  const rel = (x: number | null | undefined) =>
    x === null || x === undefined ? null : Math.max(-(A + S + 1), x - w.t);
  return JSON.stringify([
    r.view.phase,
    r.view.wrongOtpAttempts,
    r.view.resendCount,
    r.view.otpDeadline !== undefined,
    r.inbox.map((q) => [q.message.kind, q.otpRequest]),
    r.acting && [r.acting.message.kind, r.acting.otpRequest],
    r.ending,
    r.deadlinePassed,
    r.otpRequests,
    w.tx,
    settleCalls(w).calls.map((c) => [c.state, rel(c.endedBy)]),
    w.earlier && [w.earlier.running, w.earlier.phase, rel(w.earlier.closedAt)],
    w.activity && [
      w.activity.attempt,
      w.activity.resetSince,
      rel(w.activity.notBefore),
      w.activity.record && [
        w.activity.record.attempt,
        rel(w.activity.record.callEndedBy),
        w.activity.record.refusal?.kind,
      ],
    ],
  ]);
}

interface Walk {
  states: number;
  sequences: number;
  ended: Record<string, number>;
}

/**
 * Depth-first over every sequence of up to `depth` events. A state met again with the same depth
 * left has the same sequences ahead: they were walked (and counted) the first time.
 */
function walk(initial: State, depth: number): Walk {
  const seen = new Map<string, number>();
  const ended: Record<string, number> = {};
  const visit = (s: State, left: number, path: string[]): number => {
    const key = `${left} ${keyOf(s)}`;
    const known = seen.get(key);
    if (known !== undefined) return known;
    if (isOutcome(s.refund.view.phase)) ended[s.refund.view.phase] = (ended[s.refund.view.phase] ?? 0) + 1;
    let sequences = 1;
    if (left > 0) {
      let edges: Edge[];
      try {
        edges = successors(s);
      } catch (err) {
        throw new Violation(`${(err as Error).message}\n  after: ${path.join(' → ') || '(start)'}`);
      }
      for (const [label, next] of edges) sequences += visit(next, left - 1, [...path, label]);
    }
    seen.set(key, sequences);
    return sequences;
  };
  const sequences = visit(initial, depth, []);
  return { states: new Set([...seen.keys()].map((key) => key.slice(key.indexOf(' ') + 1))).size, sequences, ended };
}

/** The earlier run's own attempt and window, as visibility reads them from its input. */
const TIMINGS = { timings: { attemptMs: A, settleWindowMs: S } };

const WORLDS: [string, World][] = [
  ['refund pending, no earlier run', { t: 0, tx: 3, calls: [] }],
  [
    'an earlier run closed while its refund call may still be applied (terminate, reset, timeout)',
    {
      t: 0,
      tx: 3,
      calls: [{ endedBy: A, state: 'may_apply' }],
      earlier: { runId: 'earlier', running: false, phase: RefundPhase.AWAITING_OTP, closedAt: 0, ...TIMINGS },
    },
  ],
  [
    'an earlier run that visibility still shows running, its call in flight',
    {
      t: 0,
      tx: 3,
      calls: [{ endedBy: A, state: 'may_apply' }],
      earlier: { runId: 'earlier', running: true, phase: RefundPhase.AWAITING_OTP, ...TIMINGS },
    },
  ],
  [
    'an earlier run closed before calling',
    {
      t: 0,
      tx: 3,
      calls: [],
      earlier: { runId: 'earlier', running: false, phase: RefundPhase.AWAITING_OTP, closedAt: 0, ...TIMINGS },
    },
  ],
  [
    'an earlier run with a longer attempt than ours closed while its call may still be applied',
    {
      t: 0,
      tx: 3,
      calls: [{ endedBy: 2 * A, state: 'may_apply' }],
      earlier: {
        runId: 'earlier',
        running: false,
        phase: RefundPhase.AWAITING_OTP,
        closedAt: 0,
        timings: { attemptMs: 2 * A, settleWindowMs: S },
      },
    },
  ],
  ['already refunded', { t: 0, tx: 4, calls: [] }],
  ['a tid Eko does not know', { t: 0, tx: UNKNOWN_TID, calls: [] }],
  ['not refundable', { t: 0, tx: 0, calls: [] }],
];

describe(`every sequence of up to ${DEPTH} events`, () => {
  const totals = { states: 0, sequences: 0 };
  afterAll(() => {
    console.log(
      `rules walk: ${totals.sequences.toLocaleString('en')} sequences of up to ${DEPTH} events, ${totals.states.toLocaleString('en')} distinct states, every invariant held`,
    );
  });

  test.each(WORLDS)('%s', (_name, world) => {
    const result = walk({ refund: start('13192443', POLICY, 0), world }, DEPTH);
    totals.states += result.states;
    totals.sequences += result.sequences;
    expect(result.sequences).toBeGreaterThan(result.states);
  });
});
