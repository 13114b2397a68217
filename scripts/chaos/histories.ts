// Workflow-task failures in every run of the run's refunds. A failing workflow task is retried by
// Temporal for ever: the refund stands still while its history fills with failures (the contract:
// "no input, message or operator action may leave a workflow failing its workflow tasks in a
// loop"). A reset writes one failed task on purpose (cause RESET_WORKFLOW): those do not count.
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { failureMessage } from '../../src/client';
import { WORKFLOW_TYPE, workflowIdFor } from '../../src/contract';
import { pooled } from '../lib/pooled';

const { EventType, WorkflowTaskFailedCause } = temporal.api.enums.v1;
const FETCHES_AT_ONCE = 8;
const ID_PREFIX = workflowIdFor('');

export interface TaskFailures {
  /** Runs read: one per refund started, plus one per reset. */
  runs: number;
  /** Each refund's failed workflow tasks (by tid), every run included, as "cause: message". */
  byTid: Map<string, string[]>;
}

export async function workflowTaskFailures(client: Client, taskQueue: string): Promise<TaskFailures> {
  const runs: { workflowId: string; runId: string }[] = [];
  const query = `WorkflowType = '${WORKFLOW_TYPE}' AND TaskQueue = '${taskQueue}'`;
  for await (const run of client.workflow.list({ query, pageSize: 1_000 })) runs.push(run);

  const failures = new Map<string, string[]>();
  await pooled(runs.length, FETCHES_AT_ONCE, async (i) => {
    const { workflowId, runId } = runs[i];
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    for (const event of history.events ?? []) {
      if (event.eventType !== EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED) continue;
      const { cause, failure } = event.workflowTaskFailedEventAttributes ?? {};
      if (cause === WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_RESET_WORKFLOW) continue;
      const message = await failureMessage(client.options.loadedDataConverter, failure).catch(() => undefined);
      const tid = workflowId.slice(ID_PREFIX.length);
      const causeName = WorkflowTaskFailedCause[cause ?? 0].replace('WORKFLOW_TASK_FAILED_CAUSE_', '');
      failures.set(tid, [...(failures.get(tid) ?? []), `${causeName}: ${message ?? 'no message'}`]);
    }
  });
  return { runs: runs.length, byTid: failures };
}
