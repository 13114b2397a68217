/**
 * Every earlier run counts (docs/contract/refund-workflow.md, Money-safety rules): a reset, a
 * terminate then a new start, a run timeout and a new start after an outcome all leave runs of
 * `refund-<tid>` before this one, and any of them may have a refund call that Eko still applies.
 */
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { NativeConnection } from '@temporalio/worker';
import { type Phase, RefundOutcome, RefundPhase, SEARCH_ATTRIBUTES } from '../contract/names';

export interface EarlierRun {
  runId: string;
  /** Visibility still shows it running (it lags the close by about a second). */
  running: boolean;
  /** RefundPhase as the run left it; undefined when it never wrote one. */
  phase?: string;
  /** Epoch ms. */
  closedAt?: number;
}

/** The runs of a workflow id, newest first, as Temporal's visibility lists them. */
export type RunsOf = (workflowId: string) => Promise<EarlierRun[]>;

/**
 * A run that closed in one of these had no refund call in flight: it never made one (CHECKING,
 * SENDING_OTP: the refund call's phase upserts come later), or it ended on an outcome that needs
 * every call answered or proven settled. Any other run may have one.
 */
const CLOSED_WITHOUT_CALLS: readonly Phase[] = [
  RefundPhase.CHECKING,
  RefundPhase.SENDING_OTP,
  RefundOutcome.REFUNDED,
  RefundOutcome.NOT_REFUNDABLE,
  RefundOutcome.FAILED,
  RefundOutcome.OTP_EXPIRED,
  RefundOutcome.CANCELLED,
];

export const mayHaveCallInFlight = (run: EarlierRun): boolean =>
  run.running || !(CLOSED_WITHOUT_CALLS as readonly string[]).includes(run.phase ?? '');

/**
 * Until when a refund call of an earlier run may still be applied: its close (now, if it still
 * shows as running), plus one attempt (an attempt under way runs on after its run closed), plus
 * a settle window. -Infinity when no earlier run may have a call in flight.
 */
export function earlierCallsSettleAt(
  runs: readonly EarlierRun[],
  {
    ownRunId,
    now,
    attemptMs,
    settleWindowMs,
  }: { ownRunId: string; now: number; attemptMs: number; settleWindowMs: number },
): number {
  const ends = runs
    .filter((run) => run.runId !== ownRunId && mayHaveCallInFlight(run))
    .map((run) => (run.running ? now : (run.closedAt ?? now)) + attemptMs + settleWindowMs);
  return Math.max(Number.NEGATIVE_INFINITY, ...ends);
}

/** Temporal's list of a workflow id's runs, through the worker's connection. */
export function runsFromVisibility(connection: NativeConnection, namespace: string): RunsOf {
  const { WORKFLOW_EXECUTION_STATUS_RUNNING } = temporal.api.enums.v1.WorkflowExecutionStatus;
  return async (workflowId) => {
    // The id is `refund-<digits>` (the workflow refuses any other), so it needs no escaping.
    const { executions } = await connection.workflowService.listWorkflowExecutions({
      namespace,
      query: `WorkflowId = '${workflowId}'`,
      pageSize: 100,
    });
    return executions.map((execution) => {
      const phase = execution.searchAttributes?.indexedFields?.[SEARCH_ATTRIBUTES.phase.name];
      const closeTime = execution.closeTime;
      return {
        runId: execution.execution?.runId ?? '',
        running: execution.status === WORKFLOW_EXECUTION_STATUS_RUNNING,
        phase: phase ? defaultPayloadConverter.fromPayload<string>(phase) : undefined,
        closedAt:
          closeTime?.seconds == null
            ? undefined
            : Number(closeTime.seconds) * 1000 + Math.floor((closeTime.nanos ?? 0) / 1e6),
      };
    });
  };
}
