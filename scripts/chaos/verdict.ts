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

export interface Verdict {
  started: number;
  byOutcome: Record<string, number>;
  /** Violations, each must be empty. */
  appliedMoreThanOnce: Finding[];
  /** A refund call after Eko had applied the refund: a second refund at an Eko that accepted it. */
  refundCallsAfterApplied: Finding[];
  notTerminalByDeadline: Finding[];
  unexpectedOutcomes: Finding[];
  /** Eko's refund count disagrees with the outcome: money moved on a failed refund, or the reverse. */
  appliedVersusOutcome: Finding[];
  /** A refund call for a transaction that is already refunded or not refundable: CHECKING must stop it. */
  refundCallsNotAllowed: Finding[];
  notStarted: Finding[];
  /** What the drivers could not do (information: the violations above say whether it mattered). */
  driverProblems: Finding[];
  /** Requests Eko received for this run's tids, per endpoint (faulty and refused ones too). */
  ekoCalls: { refund: number; inquiry: number; otp: number };
}

export function judge(records: readonly RefundRecord[], sim: EkoSimulator, watch: EkoWatch): Verdict {
  const verdict: Verdict = {
    started: 0,
    byOutcome: {},
    appliedMoreThanOnce: [],
    refundCallsAfterApplied: [],
    notTerminalByDeadline: [],
    unexpectedOutcomes: [],
    appliedVersusOutcome: [],
    refundCallsNotAllowed: [],
    notStarted: [],
    driverProblems: [],
    ekoCalls: { refund: 0, inquiry: 0, otp: 0 },
  };
  for (const record of records) {
    const { plan, outcome } = record;
    const finding = (detail: string): Finding => ({ tid: plan.tid, scenario: plan.scenario, detail });
    if (record.problem) verdict.driverProblems.push(finding(record.problem));
    if (!record.started) {
      verdict.notStarted.push(finding(record.problem ?? 'not started'));
      continue;
    }
    verdict.started += 1;
    const tx = sim.transaction(plan.tid);
    const refundCount = tx?.refundCount ?? 0;
    for (const endpoint of ['refund', 'inquiry', 'otp'] as const)
      verdict.ekoCalls[endpoint] += tx?.calls[endpoint] ?? 0;
    if (plan.otpSteps.length === 0 && (tx?.calls.refund ?? 0) > 0) {
      verdict.refundCallsNotAllowed.push(
        finding(`${tx?.calls.refund} refund call(s) for tx_status ${plan.seed.txStatus}`),
      );
    }
    const late = watch.lateRefundCalls.get(plan.tid) ?? 0;
    if (late > 0) verdict.refundCallsAfterApplied.push(finding(`${late} refund call(s) after Eko applied the refund`));
    if (refundCount > 1) verdict.appliedMoreThanOnce.push(finding(`Eko applied the refund ${refundCount} times`));
    if (outcome !== undefined) verdict.byOutcome[outcome] = (verdict.byOutcome[outcome] ?? 0) + 1;
    if (record.phaseAtDeadline !== undefined || outcome === undefined) {
      verdict.notTerminalByDeadline.push(finding(`${record.phaseAtDeadline ?? 'unknown'} at the deadline`));
    }
    if (outcome === undefined) continue;
    if (outcome !== plan.expected) {
      const why = record.result?.reason ?? record.problem ?? '';
      verdict.unexpectedOutcomes.push(finding(`expected ${plan.expected}, got ${outcome}: ${why}`));
    }
    // Refunded by this workflow exactly when the scenario lets Eko apply it and the outcome says so.
    const applied = outcome === RefundOutcome.REFUNDED && plan.applies ? 1 : 0;
    if (refundCount <= 1 && refundCount !== applied) {
      verdict.appliedVersusOutcome.push(finding(`outcome ${outcome} but Eko applied the refund ${refundCount} times`));
    }
  }
  return verdict;
}

export const violationCount = (v: Verdict, workerCrashes: number): number =>
  v.appliedMoreThanOnce.length +
  v.refundCallsAfterApplied.length +
  v.notTerminalByDeadline.length +
  v.unexpectedOutcomes.length +
  v.appliedVersusOutcome.length +
  v.refundCallsNotAllowed.length +
  v.notStarted.length +
  workerCrashes;
