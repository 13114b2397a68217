// The money-safety verdict on a chaos run: every refund checked against its plan and against what
// the simulator (Eko) actually did.
import { RefundOutcome } from '../../src/contract';
import type { EkoSimulator } from '../../simulator';
import type { RefundRecord } from './drive';
import type { EkoWatch } from './eko-watch';

export interface Finding {
  tid: string;
  scenario: string;
  detail: string;
}

/** The checks, each with the refunds that fail it; every list must be empty. */
export const CHECKS = {
  unexpectedOutcomes: 'unexpected outcomes',
  appliedMoreThanOnce: 'applied more than once',
  /** A refund call after Eko had applied the refund: a second refund at an Eko that accepted it. */
  refundCallsAfterApplied: 'refund calls after Eko applied it',
  /** Eko's refund count disagrees with the outcome: money moved on a failed refund, or the reverse. */
  appliedVersusOutcome: 'applied count vs outcome',
  /** A refund call for a transaction that is already refunded or not refundable: CHECKING must stop it. */
  refundCallsNotAllowed: 'refund calls where none is allowed',
  notTerminalByDeadline: 'not terminal by the deadline',
  notStarted: 'not started',
} as const;
export type Check = keyof typeof CHECKS;

export interface Verdict {
  started: number;
  byOutcome: Record<string, number>;
  failed: Record<Check, Finding[]>;
  /** What the drivers could not do (information: the checks say whether it mattered). */
  driverProblems: Finding[];
  /** Requests Eko received for this run's tids, per endpoint (faulty and refused ones too). */
  ekoCalls: { refund: number; inquiry: number; otp: number };
}

export function judge(records: readonly RefundRecord[], sim: EkoSimulator, watch: EkoWatch): Verdict {
  const failed = Object.fromEntries(Object.keys(CHECKS).map((check) => [check, []])) as unknown as Verdict['failed'];
  const verdict: Verdict = {
    started: 0,
    byOutcome: {},
    failed,
    driverProblems: [],
    ekoCalls: { refund: 0, inquiry: 0, otp: 0 },
  };
  for (const record of records) {
    const { plan, outcome } = record;
    const finding = (detail: string): Finding => ({ tid: plan.tid, scenario: plan.scenario, detail });
    if (record.problem) verdict.driverProblems.push(finding(record.problem));
    if (!record.started) {
      failed.notStarted.push(finding(record.problem ?? 'not started'));
      continue;
    }
    verdict.started += 1;
    const tx = sim.transaction(plan.tid);
    const refundCount = tx?.refundCount ?? 0;
    for (const endpoint of ['refund', 'inquiry', 'otp'] as const)
      verdict.ekoCalls[endpoint] += tx?.calls[endpoint] ?? 0;
    if (plan.otpSteps.length === 0 && (tx?.calls.refund ?? 0) > 0) {
      failed.refundCallsNotAllowed.push(
        finding(`${tx?.calls.refund} refund call(s) for tx_status ${plan.seed.txStatus}`),
      );
    }
    const late = watch.lateRefundCalls.get(plan.tid) ?? 0;
    if (late > 0) failed.refundCallsAfterApplied.push(finding(`${late} refund call(s) after Eko applied the refund`));
    if (refundCount > 1) failed.appliedMoreThanOnce.push(finding(`Eko applied the refund ${refundCount} times`));
    if (outcome !== undefined) verdict.byOutcome[outcome] = (verdict.byOutcome[outcome] ?? 0) + 1;
    if (record.phaseAtDeadline !== undefined || outcome === undefined) {
      failed.notTerminalByDeadline.push(finding(`${record.phaseAtDeadline ?? 'unknown'} at the deadline`));
    }
    if (outcome === undefined) continue;
    if (outcome !== plan.expected) {
      const why = record.result?.reason ?? record.problem ?? '';
      failed.unexpectedOutcomes.push(finding(`expected ${plan.expected}, got ${outcome}: ${why}`));
    }
    // Refunded by this workflow exactly when the scenario lets Eko apply it and the outcome says so.
    const applied = outcome === RefundOutcome.REFUNDED && plan.applies ? 1 : 0;
    if (refundCount <= 1 && refundCount !== applied) {
      failed.appliedVersusOutcome.push(finding(`outcome ${outcome} but Eko applied the refund ${refundCount} times`));
    }
  }
  return verdict;
}

/** Failed checks, and workers that crashed on their own. */
export const violationCount = (v: Verdict, workerCrashes: number): number =>
  Object.values(v.failed).reduce((sum, findings) => sum + findings.length, workerCrashes);
