// The chaos run's expectations (scripts/chaos/verdict.ts, histories.ts): what an operator's action
// allows a refund to end with, and which failed workflow tasks are the server's own.
import { temporal } from '@temporalio/proto';
import { initialState, RefundOutcome } from '../../../src/contract';
import { TxStatus } from '../../../src/eko/answers';
import type { TransactionView } from '../../../simulator';
import { isFailedByServer } from '../../../scripts/chaos/histories';
import { makePlans } from '../../../scripts/chaos/plans';
import { seededRandom } from '../../../scripts/chaos/random';
import { ChaosRefund } from '../../../scripts/chaos/refund';
import { judge } from '../../../scripts/chaos/verdict';

const { EventType, WorkflowTaskFailedCause: Cause } = temporal.api.enums.v1;

/** A refund of a scenario that ends REFUNDED, Eko applying it once. */
function refundThatApplies(): ChaosRefund {
  const plan = makePlans(50, seededRandom(7)).find((p) => p.expected === RefundOutcome.REFUNDED && p.applies)!;
  const refund = new ChaosRefund(plan);
  refund.started = true;
  return refund;
}

function ended(refund: ChaosRefund, outcome: RefundOutcome): ChaosRefund {
  refund.outcome = outcome;
  const completedAt = new Date(0).toISOString();
  const state = { ...initialState(refund.tid, 3, 0), phase: outcome, outcome };
  refund.result = { tid: refund.tid, outcome, reason: 'test', completedAt, state };
  return refund;
}

/** What the simulator holds for the tid: `refundCount` refunds applied, `late` calls after the first. */
const eko = (refundCount: number, late = 0) => ({
  transaction: (tid: string) =>
    ({
      tid,
      txStatus: refundCount > 0 ? TxStatus.Refunded : TxStatus.RefundPending,
      refundCount,
      calls: { refund: refundCount + late, inquiry: 1, otp: 1 },
      callsAfterApplied: late,
      callsWhileApplying: 0,
    }) as unknown as TransactionView,
});

const noFindings = { taskFailures: new Map(), replayFailures: new Map() };

const violations = (verdict: ReturnType<typeof judge>) =>
  Object.entries(verdict.failed).flatMap(([check, findings]) => findings.map(() => check));

describe('the verdict on a refund an operator acted on', () => {
  test('CANCELLED with nothing applied passes once a Temporal cancel was sent', () => {
    const refund = ended(refundThatApplies(), RefundOutcome.CANCELLED);
    refund.cancelRequested = true;
    expect(violations(judge([refund], eko(0), noFindings))).toEqual([]);
  });

  test('CANCELLED without a cancel is an unexpected outcome', () => {
    const refund = ended(refundThatApplies(), RefundOutcome.CANCELLED);
    expect(violations(judge([refund], eko(0), noFindings))).toEqual(['unexpectedOutcomes']);
  });

  test('CANCELLED after Eko applied the refund fails the applied-count check', () => {
    const refund = ended(refundThatApplies(), RefundOutcome.CANCELLED);
    refund.cancelRequested = true;
    expect(violations(judge([refund], eko(1), noFindings))).toEqual(['appliedVersusOutcome']);
  });

  test('a reset refund must end as planned: REFUNDED with one refund call passes, a call after it does not', () => {
    const refund = refundThatApplies();
    refund.noteReset();
    ended(refund, RefundOutcome.REFUNDED);
    expect(violations(judge([refund], eko(1), noFindings))).toEqual([]);
    expect(violations(judge([refund], eko(1, 1), noFindings))).toEqual(['refundCallsAfterApplied']);
  });

  test('OTP_EXPIRED for wrong OTPs passes once the operator made OTPs stale (resend by hand, reset), not before', () => {
    const expired = (staleBy: number, reason: string) => {
      const refund = ended(refundThatApplies(), RefundOutcome.OTP_EXPIRED);
      refund.otpsMadeStale = staleBy;
      refund.result!.reason = reason;
      return violations(judge([refund], eko(0), noFindings));
    };
    expect(expired(1, 'wrong OTP 5 times')).toEqual([]);
    expect(expired(0, 'wrong OTP 5 times')).toEqual(['unexpectedOutcomes']);
    expect(expired(1, 'no OTP within 10m')).toEqual(['unexpectedOutcomes']);
  });

  test('a failed workflow task of the refund is a violation', () => {
    const refund = ended(refundThatApplies(), RefundOutcome.REFUNDED);
    const taskFailures = new Map([[refund.tid, ['WORKFLOW_WORKER_UNHANDLED_FAILURE: boom']]]);
    expect(violations(judge([refund], eko(1), { ...noFindings, taskFailures }))).toEqual(['workflowTaskFailures']);
  });

  test('a history that does not replay is a violation, though the refund ended as planned', () => {
    const refund = ended(refundThatApplies(), RefundOutcome.REFUNDED);
    const replayFailures = new Map([[refund.tid, ['run 1: Nondeterminism error']]]);
    expect(violations(judge([refund], eko(1), { ...noFindings, replayFailures }))).toEqual(['historiesNotReplaying']);
  });
});

describe('the webhook subscriber', () => {
  const received = (tid: string, type: string, signed = true) => ({
    event: { id: `e-${type}`, type, createdAt: '', data: { tid } },
    body: '',
    signed,
  });

  test('a refund that ended needs its outcome’s event, signed', () => {
    const refund = ended(refundThatApplies(), RefundOutcome.REFUNDED);
    const got = (events: ReturnType<typeof received>[]) =>
      violations(judge([refund], eko(1), noFindings, events as never));
    expect(got([received(refund.tid, 'refund.awaiting_otp'), received(refund.tid, 'refund.refunded')])).toEqual([]);
    expect(got([received(refund.tid, 'refund.awaiting_otp')])).toEqual(['missingEvents']);
    expect(got([received(refund.tid, 'refund.refunded', false)])).toEqual(['missingEvents', 'badSignatures']);
  });
});

describe('workflow tasks the server fails itself', () => {
  const events = (...types: number[]) => types.map((eventType) => ({ eventType }));

  test('a reset: RESET_WORKFLOW in the new run', () => {
    expect(isFailedByServer(Cause.WORKFLOW_TASK_FAILED_CAUSE_RESET_WORKFLOW, [])).toBe(true);
  });

  test('a reset terminating the old run during a task: FORCE_CLOSE_COMMAND, waiting signals, then terminated', () => {
    const after = events(
      EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
      EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
    );
    expect(isFailedByServer(Cause.WORKFLOW_TASK_FAILED_CAUSE_FORCE_CLOSE_COMMAND, after)).toBe(true);
  });

  test('FORCE_CLOSE_COMMAND followed by more workflow tasks is not a reset', () => {
    const after = events(EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED);
    expect(isFailedByServer(Cause.WORKFLOW_TASK_FAILED_CAUSE_FORCE_CLOSE_COMMAND, after)).toBe(false);
  });

  test('a message as the workflow completed: UNHANDLED_COMMAND, then the next task completes', () => {
    const after = events(
      EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED,
      EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
      EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
      EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
    );
    expect(isFailedByServer(Cause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND, after)).toBe(true);
    expect(isFailedByServer(Cause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND, after.slice(0, 3))).toBe(false);
  });

  test('UNHANDLED_COMMAND, then the operator closed the run before another task: still the server', () => {
    const after = events(
      EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
      EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
      EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
    );
    expect(isFailedByServer(Cause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND, after)).toBe(true);
  });

  test('the workflow code failing is never the server', () => {
    const after = events(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
    expect(isFailedByServer(Cause.WORKFLOW_TASK_FAILED_CAUSE_WORKFLOW_WORKER_UNHANDLED_FAILURE, after)).toBe(false);
    expect(isFailedByServer(Cause.WORKFLOW_TASK_FAILED_CAUSE_NON_DETERMINISTIC_ERROR, after)).toBe(false);
  });
});
