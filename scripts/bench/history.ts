// Reads refunds' histories from the server: how many events, of which types, and where the time
// went between them (queue waits versus work), from the server's own event timestamps.
import type { Client } from '@temporalio/client';
import { tsToMs } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { workflowIdFor } from '../../src/contract';
import { countBy } from '../lib/report';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const { EventType } = temporal.api.enums.v1;

export interface RefundHistory {
  count: number;
  types: string[];
  spans: Spans;
  /** The workflow task that accepted the first update (submitOtp): for a refund not cached, its replay too. */
  updateTaskMs?: number;
}

/** Milliseconds per kind of span, one entry per occurrence. */
export interface Spans {
  /** WorkflowTaskScheduled → Started: waiting in the task queue for the worker. */
  workflowTaskWait: number[];
  /** WorkflowTaskStarted → Completed: the worker running the workflow code, and the round trip. */
  workflowTaskRun: number[];
  /** ActivityTaskScheduled → Started (last attempt): waiting for an activity slot. */
  activityWait: number[];
  /** ActivityTaskStarted → Completed (last attempt): the Eko call and the round trip. */
  activityRun: number[];
}

export const emptySpans = (): Spans => ({
  workflowTaskWait: [],
  workflowTaskRun: [],
  activityWait: [],
  activityRun: [],
});

export function mergeSpans(all: readonly Spans[]): Spans {
  const merged = emptySpans();
  for (const spans of all) for (const key of Object.keys(merged) as (keyof Spans)[]) merged[key].push(...spans[key]);
  return merged;
}

export async function readHistory(client: Client, tid: string): Promise<RefundHistory> {
  const history = await client.workflow.getHandle(workflowIdFor(tid)).fetchHistory();
  const events = history.events ?? [];
  return {
    count: events.length,
    types: events.map((e) => (EventType[e.eventType ?? 0] ?? 'UNKNOWN').replace(/^EVENT_TYPE_/, '')),
    spans: spansOf(events),
    updateTaskMs: updateTaskMs(events),
  };
}

function updateTaskMs(events: readonly HistoryEvent[]): number | undefined {
  let taskMs: number | undefined;
  const startedAt = new Map<number, number>();
  for (const e of events) {
    if (e.workflowTaskStartedEventAttributes) startedAt.set(Number(e.eventId), tsToMs(e.eventTime));
    const completed = e.workflowTaskCompletedEventAttributes;
    if (completed) taskMs = tsToMs(e.eventTime) - (startedAt.get(Number(completed.startedEventId)) ?? NaN);
    if (e.workflowExecutionUpdateAcceptedEventAttributes) return taskMs;
  }
  return undefined;
}

function spansOf(events: readonly HistoryEvent[]): Spans {
  const timeOf = new Map<number, number>();
  for (const e of events) timeOf.set(Number(e.eventId), tsToMs(e.eventTime));
  const since = (eventId: unknown, e: HistoryEvent) => tsToMs(e.eventTime) - (timeOf.get(Number(eventId)) ?? NaN);
  const spans = emptySpans();
  for (const e of events) {
    if (e.workflowTaskStartedEventAttributes) {
      spans.workflowTaskWait.push(since(e.workflowTaskStartedEventAttributes.scheduledEventId, e));
    } else if (e.workflowTaskCompletedEventAttributes) {
      spans.workflowTaskRun.push(since(e.workflowTaskCompletedEventAttributes.startedEventId, e));
    } else if (e.activityTaskStartedEventAttributes) {
      spans.activityWait.push(since(e.activityTaskStartedEventAttributes.scheduledEventId, e));
    } else if (e.activityTaskCompletedEventAttributes) {
      spans.activityRun.push(since(e.activityTaskCompletedEventAttributes.startedEventId, e));
    }
  }
  for (const key of Object.keys(spans) as (keyof Spans)[]) spans[key] = spans[key].filter(Number.isFinite);
  return spans;
}

/** Event types and how many of each, most frequent first. */
export function countTypes(types: readonly string[]): string {
  return Object.entries(countBy(types))
    .sort(([, a], [, b]) => b! - a!)
    .map(([type, n]) => `${type.toLowerCase()} ${n}`)
    .join(', ');
}

/** What `types` has more or fewer of than `reference`, as "+1 workflow_task_timed_out, ...". */
export function typeDifference(types: readonly string[], reference: readonly string[]): string {
  const [counts, referenceCounts] = [countBy(types), countBy(reference)];
  return [...new Set([...types, ...reference])]
    .map((type) => [type, (counts[type] ?? 0) - (referenceCounts[type] ?? 0)] as const)
    .filter(([, n]) => n !== 0)
    .map(([type, n]) => `${n > 0 ? '+' : ''}${n} ${type.toLowerCase()}`)
    .join(', ');
}
