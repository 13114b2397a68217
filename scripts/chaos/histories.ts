// Every run of the run's refunds, its history read once at the end, for two checks:
// - each history replays under the workers' workflow code (a refund whose history does not replay
//   fails its next workflow task, and its `state` query, which a worker answers by replaying, fails
//   even after it ended: a dashboard cannot read it);
// - no failed workflow tasks. A failing workflow task is retried by Temporal for ever: the refund
//   stands still while its history fills with failures (the contract: "no input, message or
//   operator action may leave a workflow failing its workflow tasks in a loop").
// The server fails some tasks itself, and those do not count (they are listed apart):
// - RESET_WORKFLOW: written by a reset at the start of the new run;
// - FORCE_CLOSE_COMMAND: a reset terminating the old run while one of its tasks was running (the
//   server fails that task, then closes the run, messages that waited in between);
// - UNHANDLED_COMMAND: a message (signal, cancel request) or a child's event arrived while the task
//   that completes the workflow ran; the server makes the workflow look at it first, and the next
//   task completes (unless the operator closed the run before it: seed 2017534000).
import type { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { failureMessage } from '../../src/client';
import { WORKFLOW_TYPE, workflowIdFor } from '../../src/contract';
import { quietTemporalRuntime } from '../../tools/temporal-server';
import { pooled } from '../lib/pooled';

const { EventType, WorkflowTaskFailedCause: Cause } = temporal.api.enums.v1;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
export type RunHistory = { workflowId: string; runId: string; history: temporal.api.history.v1.IHistory };
const FETCHES_AT_ONCE = 8;
const ID_PREFIX = workflowIdFor('');

export interface HistoryFindings {
  /** Runs read: one per refund started, plus one per reset. */
  runs: number;
  /** Each refund's failed workflow tasks (by tid), every run included, as "cause: message". */
  taskFailures: Map<string, string[]>;
  /** The tasks the server failed itself, by cause (information). */
  failedByServer: Record<string, number>;
  /** Each refund's runs whose history does not replay (by tid), as the replay's error. */
  replayFailures: Map<string, string[]>;
  /** Those runs' histories, to replay again (`Worker.runReplayHistory`) once the server is gone. */
  notReplaying: RunHistory[];
}

/** The workers' workflow code (`workflowBundle`) and payload converter, to replay with. */
export interface WorkflowCode {
  bundlePath: string;
  dataConverter: DataConverter;
}

export async function readHistories(client: Client, taskQueue: string, code: WorkflowCode): Promise<HistoryFindings> {
  const runs: { workflowId: string; runId: string }[] = [];
  const query = `WorkflowType = '${WORKFLOW_TYPE}' AND TaskQueue = '${taskQueue}'`;
  for await (const run of client.workflow.list({ query, pageSize: 1_000 })) runs.push(run);

  const histories: RunHistory[] = [];
  const taskFailures = new Map<string, string[]>();
  const failedByServer: Record<string, number> = {};
  await pooled(runs.length, FETCHES_AT_ONCE, async (i) => {
    const { workflowId, runId } = runs[i];
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    histories.push({ workflowId, runId, history });
    const events = history.events ?? [];
    for (const [index, event] of events.entries()) {
      if (event.eventType !== EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED) continue;
      const { cause, failure } = event.workflowTaskFailedEventAttributes ?? {};
      const causeName = Cause[cause ?? 0].replace('WORKFLOW_TASK_FAILED_CAUSE_', '');
      if (isFailedByServer(cause, events.slice(index + 1))) {
        failedByServer[causeName] = (failedByServer[causeName] ?? 0) + 1;
        continue;
      }
      const message = await failureMessage(client.options.loadedDataConverter, failure).catch(() => undefined);
      add(taskFailures, workflowId, `${causeName}: ${message ?? 'no message'}`);
    }
  });
  return { runs: runs.length, taskFailures, failedByServer, ...(await replay(histories, code)) };
}

/** Replays the histories as a worker that just started would (no cache): the errors, by tid. */
async function replay(histories: RunHistory[], code: WorkflowCode) {
  quietTemporalRuntime();
  const replayFailures = new Map<string, string[]>();
  const notReplaying: RunHistory[] = [];
  const options = { workflowBundle: { codePath: code.bundlePath }, dataConverter: code.dataConverter };
  let index = 0; // the replayer takes one history at a time and answers in order
  for await (const result of Worker.runReplayHistories(options, histories)) {
    const replayed = histories[index++];
    if (!result.error) continue;
    add(replayFailures, result.workflowId, `run ${result.runId}: ${result.error.message}`);
    notReplaying.push(replayed);
  }
  return { replayFailures, notReplaying };
}

function add(byTid: Map<string, string[]>, workflowId: string, finding: string): void {
  const tid = workflowId.slice(ID_PREFIX.length);
  byTid.set(tid, [...(byTid.get(tid) ?? []), finding]);
}

/** Whether the server failed the task itself, as above; `after`: the run's events after the failure. */
export function isFailedByServer(cause: number | null | undefined, after: readonly HistoryEvent[]): boolean {
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
      // The next task completed, or the operator closed the run (terminate, reset) before one could.
      return after.some(
        (e) =>
          e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED ||
          e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
      );
    default:
      return false;
  }
}
