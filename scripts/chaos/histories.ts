// Workflow-task failures in every run of the run's refunds. A failing workflow task is retried by
// Temporal for ever: the refund stands still while its history fills with failures (the contract:
// "no input, message or operator action may leave a workflow failing its workflow tasks in a
// loop"). The server fails some tasks itself, and those do not count (they are listed apart):
// - RESET_WORKFLOW: written by a reset at the start of the new run;
// - FORCE_CLOSE_COMMAND: a reset terminating the old run while one of its tasks was running (the
//   server fails that task, then closes the run, messages that waited in between);
// - UNHANDLED_COMMAND: a message (signal, cancel request) arrived while the task that completes the
//   workflow ran; the server makes the workflow look at it first, and the next task completes.
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { failureMessage } from '../../src/client';
import { WORKFLOW_TYPE, workflowIdFor } from '../../src/contract';
import { pooled } from '../lib/pooled';

const { EventType, WorkflowTaskFailedCause: Cause } = temporal.api.enums.v1;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const FETCHES_AT_ONCE = 8;
const ID_PREFIX = workflowIdFor('');

export interface TaskFailures {
  /** Runs read: one per refund started, plus one per reset. */
  runs: number;
  /** Each refund's failed workflow tasks (by tid), every run included, as "cause: message". */
  byTid: Map<string, string[]>;
  /** The tasks the server failed itself, by cause (information). */
  byServer: Record<string, number>;
}

export async function workflowTaskFailures(client: Client, taskQueue: string): Promise<TaskFailures> {
  const runs: { workflowId: string; runId: string }[] = [];
  const query = `WorkflowType = '${WORKFLOW_TYPE}' AND TaskQueue = '${taskQueue}'`;
  for await (const run of client.workflow.list({ query, pageSize: 1_000 })) runs.push(run);

  const byTid = new Map<string, string[]>();
  const byServer: Record<string, number> = {};
  await pooled(runs.length, FETCHES_AT_ONCE, async (i) => {
    const { workflowId, runId } = runs[i];
    const events = (await client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
    for (const [index, event] of events.entries()) {
      if (event.eventType !== EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED) continue;
      const { cause, failure } = event.workflowTaskFailedEventAttributes ?? {};
      const causeName = Cause[cause ?? 0].replace('WORKFLOW_TASK_FAILED_CAUSE_', '');
      if (failedByServer(cause, events.slice(index + 1))) {
        byServer[causeName] = (byServer[causeName] ?? 0) + 1;
        continue;
      }
      const message = await failureMessage(client.options.loadedDataConverter, failure).catch(() => undefined);
      const tid = workflowId.slice(ID_PREFIX.length);
      byTid.set(tid, [...(byTid.get(tid) ?? []), `${causeName}: ${message ?? 'no message'}`]);
    }
  });
  return { runs: runs.length, byTid, byServer };
}

/** Whether the server failed the task itself, as above; `after`: the run's events after the failure. */
export function failedByServer(cause: number | null | undefined, after: readonly HistoryEvent[]): boolean {
  switch (cause) {
    case Cause.WORKFLOW_TASK_FAILED_CAUSE_RESET_WORKFLOW:
      return true;
    case Cause.WORKFLOW_TASK_FAILED_CAUSE_FORCE_CLOSE_COMMAND: {
      const workflowTask: unknown[] = [
        EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
        EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
      ];
      return (
        after.at(-1)?.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED &&
        !after.some((e) => workflowTask.includes(e.eventType))
      );
    }
    case Cause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND:
      return after.some((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
    default:
      return false;
  }
}
