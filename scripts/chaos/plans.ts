// What each chaos refund does, decided up front from the seed so that a run can be replayed: how
// the simulator is seeded for its tid, how the "customer" hands over the OTP, which Eko faults
// strike it, and which outcome the refund must end with.
import { TxStatus } from '../../src/eko/answers';
import { RefundOutcome } from '../../src/contract';
import { FAULT_TYPES as SIMULATOR_FAULTS, type FaultInput, type FaultType, type SeedInput } from '../../simulator';
import type { Random } from './random';

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
  /** Empty when the refund ends before it waits for an OTP (already refunded, not refundable). */
  otpSteps: OtpStep[];
  /** The `submitOtp` update (answers with the result) or the fire-and-forget `otp` signal. */
  delivery: 'update' | 'signal';
  faults: FaultInput[];
}

/** Unless it says otherwise, a scenario ends REFUNDED, Eko applying the refund once, after the right OTP. */
interface Scenario {
  name: string;
  weight: number;
  seed(random: Random): Omit<SeedInput, 'tid'>;
  otpSteps?(random: Random): OtpStep[];
  expected?: RefundOutcome;
  /** Whether Eko applies the refund. */
  applies?: boolean;
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
    return {
      tid,
      scenario: scenario.name,
      seed: { tid, ...scenario.seed(random) },
      expected: scenario.expected ?? RefundOutcome.REFUNDED,
      applies: scenario.applies ?? true,
      otpSteps,
      delivery: random.chance(0.7) ? 'update' : 'signal',
      faults: makeFaults(random, tid, otpSteps.length > 0),
    };
  });
}

/** 0 to 2 faults for one tid, each striking once. */
function makeFaults(random: Random, tid: string, waitsForOtp: boolean): FaultInput[] {
  const count = random.weighted([
    [0, 3],
    [1, 4],
    [2, 3],
  ] as const);
  return Array.from({ length: count }, () => {
    const type = random.pick(FAULT_TYPES);
    // Without an OTP the workflow only inquires; with one, the refund call matters most.
    const endpoint = waitsForOtp
      ? random.weighted([
          ['refund', 5],
          ['inquiry', 3],
          ['otp', 2],
        ] as const)
      : 'inquiry';
    // Up to 3 s: past the worker's 1.5 s Eko timeout, so Eko applies a refund after the worker gave
    // up on the call, yet before its retry inquires (2 s later). An Eko slower than that would race
    // the retry's refund call, which no client can rule out without an idempotency key.
    const latencyMs = type === 'latency' ? random.int(200, 3_000) : undefined;
    return { type, endpoint, tid, times: 1, latencyMs };
  });
}
