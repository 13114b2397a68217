// The money-safety verdict on a chaos run: every refund checked against its plan, against what the
// operator did to it, and against what the simulator (Eko) actually did.
import { RefundOutcome } from '../../src/contract';
import type { EkoSimulator } from '../../simulator';
import type { Received } from '../../tools/webhook-receiver';
import type { ChaosRefund } from './refund';

export const outcomeEvent = (outcome: string): string => `refund.${outcome.toLowerCase()}`;

export interface Finding {
  tid: string;
  scenario: string;
  detail: string;
}

/** The checks, each with the refunds that fail it; every list must be empty. */
export const CHECKS = {
  unexpectedOutcomes: 'unexpected outcomes',
  appliedMoreThanOnce: 'applied more than once',
  /**
   * A refund call after Eko had accepted the refund (while a slow Eko still applied it too) or
   * while the transaction was refunded: a second refund at an Eko without idempotency.
   */
  refundCallsAfterApplied: 'refund calls after Eko applied it',
  /** Eko's refund count disagrees with the outcome: money moved on a failed refund, or the reverse. */
  appliedVersusOutcome: 'applied count vs outcome',
  /** A refund call for a transaction that is already refunded or not refundable: CHECKING must stop it. */
  refundCallsNotAllowed: 'refund calls where none is allowed',
  notTerminalByDeadline: 'not terminal by the deadline',
  /** Workflow tasks that failed (any run of the refund), other than those the server fails itself. */
  workflowTaskFailures: 'refunds with failed workflow tasks',
  /** A run whose history does not replay under the workers' code: its next task fails once a worker must replay it. */
  historiesNotReplaying: 'refunds whose history does not replay',
  notStarted: 'not started',
  /** A refund that ended without its outcome's event at the subscriber (signed), when the run ended. */
  missingEvents: 'outcome events not delivered',
  /** An event the subscriber received whose Eko-Refund-Signature does not verify. */
  badSignatures: 'events with a bad signature',
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
  /** Refunds that met each kind of operator action, and how those ended. */
  acted: { cancelled: Record<string, number>; reset: Record<string, number> };
}

/**
 * The outcomes a refund may end with. The plan's, whatever was reset (a reset run inquires before
 * any refund call, so Eko's state carries it to the same end); CANCELLED once a Temporal cancel
 * was sent, which the workflow honours before SUBMITTING (then Eko must have applied nothing: the
 * applied-count check holds CANCELLED to 0); and OTP_EXPIRED for wrong OTPs once the operator made
 * OTPs stale (a resend by hand voids the OTP a driver holds, a reset hands old OTPs over again):
 * the contract ends a refund after `maxOtpAttempts` wrong ones.
 */
export function allowedOutcomes(refund: ChaosRefund): string[] {
  const wrongOtps = refund.otpsMadeStale > 0 && /^wrong OTP \d+ times$/.test(refund.result?.reason ?? '');
  return [
    refund.plan.expected,
    ...(refund.cancelRequested ? [RefundOutcome.CANCELLED] : []),
    ...(wrongOtps ? [RefundOutcome.OTP_EXPIRED] : []),
  ];
}

/** What the histories show, by tid (see histories.ts). */
export interface HistoryChecks {
  taskFailures: ReadonlyMap<string, readonly string[]>;
  replayFailures: ReadonlyMap<string, readonly string[]>;
}

export function judge(
  refunds: readonly ChaosRefund[],
  sim: Pick<EkoSimulator, 'transaction'>,
  histories: HistoryChecks,
  /** What the webhook subscriber received; unchecked when absent. */
  received?: readonly Received[],
): Verdict {
  const failed = Object.fromEntries(Object.keys(CHECKS).map((check) => [check, []])) as unknown as Verdict['failed'];
  const verdict: Verdict = {
    started: 0,
    byOutcome: {},
    failed,
    driverProblems: [],
    ekoCalls: { refund: 0, inquiry: 0, otp: 0 },
    acted: { cancelled: {}, reset: {} },
  };
  for (const refund of refunds) {
    const { plan, outcome } = refund;
    // What the operator did goes with every finding: most explain themselves with it.
    const actions = refund.actions.length > 0 ? ` [operator: ${summarize(refund.actions)}]` : '';
    const finding = (detail: string): Finding => ({ tid: plan.tid, scenario: plan.scenario, detail: detail + actions });
    if (refund.problem) verdict.driverProblems.push(finding(refund.problem));
    if (!refund.started) {
      failed.notStarted.push(finding(refund.problem ?? 'not started'));
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
    const late = tx?.callsAfterApplied ?? 0;
    if (late > 0) {
      failed.refundCallsAfterApplied.push(
        finding(`${late} refund call(s) after Eko accepted the refund (${tx?.callsWhileApplying} while it applied it)`),
      );
    }
    if (refundCount > 1) failed.appliedMoreThanOnce.push(finding(`Eko applied the refund ${refundCount} times`));
    const taskFailed = histories.taskFailures.get(plan.tid) ?? [];
    if (taskFailed.length > 0) {
      failed.workflowTaskFailures.push(finding(`${taskFailed.length} failed workflow task(s): ${taskFailed[0]}`));
    }
    const notReplaying = histories.replayFailures.get(plan.tid) ?? [];
    if (notReplaying.length > 0) {
      failed.historiesNotReplaying.push(finding(`${notReplaying.length} run(s) do not replay: ${notReplaying[0]}`));
    }
    if (outcome !== undefined) verdict.byOutcome[outcome] = (verdict.byOutcome[outcome] ?? 0) + 1;
    if (refund.cancelRequested) count(verdict.acted.cancelled, outcome ?? 'not terminal');
    if (refund.resets > 0) count(verdict.acted.reset, outcome ?? 'not terminal');
    if (refund.phaseAtDeadline !== undefined || outcome === undefined) {
      failed.notTerminalByDeadline.push(finding(`${refund.phaseAtDeadline ?? 'unknown'} at the deadline`));
    }
    const events = (received ?? []).filter((r) => r.event.data?.tid === plan.tid);
    const forged = events.filter((r) => !r.signed).length;
    if (forged > 0) failed.badSignatures.push(finding(`${forged} event(s) with a bad signature`));
    if (outcome === undefined) continue;
    if (received && !events.some((r) => r.signed && r.event.type === outcomeEvent(outcome))) {
      const got = events.map((r) => r.event.type).join(', ') || 'none';
      failed.missingEvents.push(
        finding(`ended ${outcome}, no ${outcomeEvent(outcome)} at the subscriber (got: ${got})`),
      );
    }
    const allowed = allowedOutcomes(refund);
    if (!allowed.includes(outcome)) {
      const why = refund.result?.reason ?? refund.problem ?? '';
      failed.unexpectedOutcomes.push(finding(`expected ${allowed.join(' or ')}, got ${outcome}: ${why}`));
    }
    // Refunded by this workflow exactly when the scenario lets Eko apply it and the outcome says so.
    const applied = outcome === RefundOutcome.REFUNDED && plan.applies ? 1 : 0;
    if (refundCount <= 1 && refundCount !== applied) {
      failed.appliedVersusOutcome.push(finding(`outcome ${outcome} but Eko applied the refund ${refundCount} times`));
    }
  }
  return verdict;
}

/** The first few actions, then how many more (a refund stuck to the end meets hundreds). */
const summarize = (actions: readonly string[], shown = 6) =>
  actions.slice(0, shown).join('; ') + (actions.length > shown ? `; … ${actions.length - shown} more` : '');

const count = (counts: Record<string, number>, key: string) => (counts[key] = (counts[key] ?? 0) + 1);

/** Failed checks, and workers that crashed on their own. */
export const violationCount = (v: Verdict, workerCrashes: number): number =>
  Object.values(v.failed).reduce((sum, findings) => sum + findings.length, workerCrashes);
