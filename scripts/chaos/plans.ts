// What each chaos refund does, decided up front from the seed so that a run can be replayed: how
// the simulator is seeded for its tid (its answer shape included), how the "customer" hands over
// the OTP, which Eko faults strike it, and which outcome the refund must end with.
import { RefundOutcome, type RefundInput } from '../../src/contract';
import { TxStatus } from '../../src/eko/answers';
import {
  AMOUNT_FIELDS,
  DIALECTS,
  FAULT_TYPES as SIMULATOR_FAULTS,
  type FaultInput,
  type FaultType,
  type SeedInput,
} from '../../simulator';
import type { Random } from './random';

/**
 * After a refund call with no clear answer, the refund calls Eko again only once the transaction
 * stayed Refund Pending this long: every delay the faults put on Eko applying a refund stays below
 * it (see makeFaults), so the money-safe outcome is one refund call.
 */
export const SETTLE_WINDOW_MS = 5_000;
/** Room between Eko's slowest apply and the end of the settle window (retries, a busy machine). */
const SETTLE_MARGIN_MS = 1_500;

/**
 * How long a refund may take to reach its outcome after the operator's last action, with
 * REFUND_TIMINGS: a reset into SUBMITTING presumes a call in flight (settle window plus an
 * attempt), a wrong OTP that the reset handed over again is held for another window, then a resend,
 * the right OTP and one more presumed call (about 25 s in all), and room for a busy machine; and
 * two of the refund call's longest retry intervals (1 min each, production's: after many faults
 * its next attempt may be that far off). With 40 s, seed 927916448 ended SUBMITTING and PENDING;
 * with 100 s, seed 1729346949 (CI) ended SUBMITTING, its inquiries failing into the window.
 * The operator stops this long before the deadline (a reset at the last moment would otherwise
 * reopen a refund that cannot end in time, and say nothing about money safety).
 */
export const RECOVERY_MS = 150_000;

/** Short timings, so that a run takes minutes; everything else as in production. */
export const REFUND_TIMINGS: Partial<RefundInput> = {
  pollInterval: '1s', // the input's floor
  maxPollInterval: '1s',
  // A lost worker is presumed dead after this; the retry then inquires first. Above EKO_TIMEOUT_MS.
  ekoCallTimeout: '3s',
  resendInterval: '1s',
  settleWindow: SETTLE_WINDOW_MS,
  // Room for a wrong OTP handed over twice (an update retried after a killed worker, an OTP that
  // an operator's resend made stale) besides the plan's wrong ones, so that retries do not turn a
  // refund into OTP_EXPIRED.
  maxOtpAttempts: 5,
};

/**
 * One hand-over step while the refund is AWAITING_OTP: ask Eko to resend the OTP, give a wrong
 * OTP, give the current OTP after it expired at Eko (303: the workflow asks for a new one), or give
 * the right one.
 */
export type OtpStep = 'resend' | 'wrong' | 'expired' | 'right';

export type { FaultType };
/** A 403 is our configuration (keys, clock), not a fault of Eko's: test/integration/money-safety covers it. */
const NOT_EKO_FAULTS: readonly FaultType[] = ['http403'];
/** Every fault the simulator offers: a new one there is a new one here. */
export const FAULT_TYPES: readonly FaultType[] = SIMULATOR_FAULTS.filter((type) => !NOT_EKO_FAULTS.includes(type));

export interface RefundPlan {
  tid: string;
  scenario: string;
  seed: SeedInput;
  expected: RefundOutcome;
  /** Whether Eko must apply the refund: its refund count must then be exactly 1, else 0. */
  applies: boolean;
  /** Empty when no OTP is handed over (the refund ends before it waits for one, or at the OTP deadline). */
  otpSteps: OtpStep[];
  /** Nobody hands an OTP over: the refund ends at its OTP deadline, its faults striking the inquiry made then. */
  waitsForDeadline: boolean;
  /** Input beyond REFUND_TIMINGS (a short OTP deadline). */
  input: Partial<RefundInput>;
  /**
   * The `submitOtp` update (answers with the result), the `otp` signal from the client, or the
   * `otp` signal by hand (`temporal workflow signal`, as from the Web UI: a plain JSON payload).
   */
  delivery: OtpDelivery;
  /** How long support staff take to relay each OTP: the refund waits in AWAITING_OTP meanwhile. */
  relayMs: number;
  faults: FaultInput[];
}

export type OtpDelivery = 'update' | 'signal' | 'signal by hand';

/** Unless it says otherwise, a scenario ends REFUNDED, Eko applying the refund once, after the right OTP. */
interface Scenario {
  name: string;
  weight: number;
  seed(random: Random): Omit<SeedInput, 'tid'>;
  otpSteps?(random: Random): OtpStep[];
  expected?: RefundOutcome;
  /** Whether Eko applies the refund. */
  applies?: boolean;
  /** No OTP comes: the OTP deadline ends the refund (after an inquiry that Eko's faults delay). */
  waitsForDeadline?: boolean;
  input?: Partial<RefundInput>;
}

/** Eko answers the refund call with "done" or with "initiated" (then one inquiry settles it). */
const eitherMode = (random: Random) => ({ refundMode: random.pick(['done', 'pending'] as const) });
const noOtp = () => [];

const SCENARIOS: readonly Scenario[] = [
  { name: 'refund done at once', weight: 30, seed: () => ({ refundMode: 'done' }) },
  {
    name: 'refund pending, then refunded',
    weight: 20,
    seed: (random) => ({ refundMode: 'pending', refundPendingInquiries: random.int(0, 3) }),
  },
  {
    name: 'wrong OTP, then the right one',
    weight: 10,
    seed: eitherMode,
    otpSteps: (random) => [...Array<OtpStep>(random.int(1, 2)).fill('wrong'), 'right'],
  },
  { name: 'OTP expired at Eko, then a new one', weight: 5, seed: eitherMode, otpSteps: () => ['expired', 'right'] },
  { name: 'OTP resent, then submitted', weight: 5, seed: eitherMode, otpSteps: () => ['resend', 'right'] },
  {
    // Eko refuses the resend (OTP request limit): the refund goes on with the OTP the customer holds.
    name: 'resend refused (OTP limit), the OTP held goes through',
    weight: 4,
    seed: (random) => ({ ...eitherMode(random), maxOtpRequests: 1 }),
    otpSteps: () => ['resend', 'right'],
  },
  {
    name: 'initiated, then refund pending',
    weight: 5,
    seed: (random) => ({
      txStatus: TxStatus.Initiated,
      pendingInquiries: random.int(1, 3),
      settlesTo: TxStatus.RefundPending,
      ...eitherMode(random),
    }),
  },
  {
    name: 'already refunded (tx_status 4)',
    weight: 8,
    applies: false,
    seed: () => ({ txStatus: TxStatus.Refunded }),
    otpSteps: noOtp,
  },
  {
    name: 'not refundable (tx_status 0 or 1)',
    weight: 7,
    expected: RefundOutcome.NOT_REFUNDABLE,
    applies: false,
    seed: (random) => ({ txStatus: random.pick([TxStatus.Success, TxStatus.Fail]) }),
    otpSteps: noOtp,
  },
  {
    // Eko silent at the deadline (the faults strike its inquiry): the refund keeps asking, never ends on no answer.
    name: 'no OTP comes: the OTP deadline passes, Eko slow to answer',
    weight: 5,
    expected: RefundOutcome.OTP_EXPIRED,
    applies: false,
    waitsForDeadline: true,
    input: { otpTimeout: '4s' },
    seed: () => ({}),
    otpSteps: noOtp,
  },
  {
    name: 'refund rejected (347 insufficient balance)',
    weight: 10,
    expected: RefundOutcome.FAILED,
    applies: false,
    seed: () => ({ rejectRefund: { status: 347, message: 'Insufficient balance in the agent wallet' } }),
  },
];

// Far from the demo tids (1000000001...), and unique within a run (each run has its own server).
const FIRST_TID = 7_000_000_001;

export function makePlans(count: number, random: Random): RefundPlan[] {
  return Array.from({ length: count }, (_, index) => {
    const tid = String(FIRST_TID + index);
    const scenario = random.weighted(SCENARIOS.map((s) => [s, s.weight] as const));
    const otpSteps = scenario.otpSteps?.(random) ?? ['right'];
    const waitsForDeadline = scenario.waitsForDeadline ?? false;
    return {
      tid,
      scenario: scenario.name,
      seed: { tid, ...scenario.seed(random), ...answerShape(random) },
      expected: scenario.expected ?? RefundOutcome.REFUNDED,
      applies: scenario.applies ?? true,
      otpSteps,
      waitsForDeadline,
      input: scenario.input ?? {},
      delivery: random.weighted<OtpDelivery>([
        ['update', 6],
        ['signal', 2],
        ['signal by hand', 2],
      ]),
      relayMs: random.int(0, 1_500),
      faults: waitsForDeadline ? silentEko(random, tid) : makeFaults(random, tid, otpSteps.length > 0),
    };
  });
}

/** Eko not answering the inquiry made at the OTP deadline, a few times over (500s, hangs, resets). */
function silentEko(random: Random, tid: string): FaultInput[] {
  const type = random.pick(['http500', 'hang', 'reset', 'non_json'] as const);
  return [{ type, endpoint: 'inquiry', tid, times: random.int(1, 4) }];
}

/** Eko's answer shapes: where failures carry their code, and amounts sent as "" or null. */
function answerShape(random: Random): Pick<SeedInput, 'dialect' | 'emptyAmounts' | 'nullAmounts'> {
  const someAmounts = () => AMOUNT_FIELDS.filter(() => random.chance(0.3));
  return {
    dialect: random.pick(DIALECTS),
    emptyAmounts: random.chance(0.2) ? someAmounts() : [],
    nullAmounts: random.chance(0.1) ? someAmounts() : [],
  };
}

/**
 * 0 to 2 faults for one tid, each striking once. The delays on the refund call (latency before Eko
 * applies it, a slow apply) add up to less than the settle window, less a margin: an Eko slower
 * than the settle window would race the retry's refund call, which no client can rule out without
 * an idempotency key (README, "Money safety").
 */
function makeFaults(random: Random, tid: string, waitsForOtp: boolean): FaultInput[] {
  const count = random.weighted([
    [0, 3],
    [1, 4],
    [2, 3],
  ] as const);
  let refundDelayLeftMs = SETTLE_WINDOW_MS - SETTLE_MARGIN_MS;
  /** A delay on the refund call, taken from what is left of the budget (all of it by default). */
  const refundDelay = (minMs: number, maxMs = Number.POSITIVE_INFINITY) => {
    const ms = random.int(Math.min(minMs, refundDelayLeftMs), Math.min(maxMs, refundDelayLeftMs));
    refundDelayLeftMs -= ms;
    return ms;
  };
  return Array.from({ length: count }, (): FaultInput => {
    // Without an OTP the workflow only inquires: a slow apply would never strike.
    const type = random.pick(waitsForOtp ? FAULT_TYPES : FAULT_TYPES.filter((t) => t !== 'slow_apply'));
    if (type === 'slow_apply') return { type, endpoint: 'refund', tid, times: 1, applyAfterMs: refundDelay(500) };
    const endpoint = waitsForOtp
      ? random.weighted([
          ['refund', 5],
          ['inquiry', 3],
          ['otp', 2],
        ] as const)
      : 'inquiry';
    if (type !== 'latency') return { type, endpoint, tid, times: 1 };
    // Up to 3 s: past the worker's 1.5 s Eko timeout, so Eko may apply a refund after the worker
    // gave up on the call.
    const latencyMs = endpoint === 'refund' ? refundDelay(200, 3_000) : random.int(200, 3_000);
    return { type, endpoint, tid, times: 1, latencyMs };
  });
}
