/**
 * A refund's webhook deliveries as Temporal keeps them, read without a worker: each event's
 * delivery workflow (visibility, by the tid), its pending activities (one per subscriber still
 * retrying) or its result. A redelivery is one more delivery workflow for one subscriber.
 */
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTES } from '../contract/names';
import { isoTime } from '../visibility';
import type { Delivery, NotificationMemo } from './events';
import { NOTIFICATION_WORKFLOW_TYPE } from './events';

/** One event to one subscriber, as the API lists it. */
export interface DeliveryView {
  /** `<event id>~<subscriber>`: what `POST /v1/notifications/{id}/redeliver` takes. */
  id: string;
  eventId: string;
  event: string;
  subscriber: string;
  state: 'delivering' | 'delivered' | 'failed';
  attempts: number;
  /** The subscriber's last HTTP status, or why there was none. */
  lastResult?: string;
  nextAttemptAt?: string;
  redelivery: boolean;
  startedAt: string;
}

const SEPARATOR = '~';
const STARTED = temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED;
const deliveryId = (eventId: string, subscriber: string) => `${eventId}${SEPARATOR}${subscriber}`;

export async function listDeliveries(
  client: Client,
  tid: string,
  failureMessage: (failure: temporal.api.failure.v1.IFailure | null | undefined) => Promise<string | undefined>,
): Promise<DeliveryView[]> {
  const query = `WorkflowType = '${NOTIFICATION_WORKFLOW_TYPE}' AND ${SEARCH_ATTRIBUTES.tid.name} = '${tid}'`;
  const views: DeliveryView[] = [];
  for await (const execution of client.workflow.list({ query })) {
    const memo = execution.memo as NotificationMemo | undefined;
    if (!memo?.event) continue;
    const common = {
      eventId: memo.event.id,
      event: memo.event.type,
      redelivery: memo.only !== undefined,
      startedAt: execution.startTime.toISOString(),
    };
    const handle = client.workflow.getHandle(execution.workflowId, execution.runId);
    if (execution.status.name === 'COMPLETED') {
      const deliveries: Delivery[] = await handle.result();
      for (const d of deliveries) {
        views.push({
          ...common,
          id: deliveryId(common.eventId, d.subscriber),
          subscriber: d.subscriber,
          state: d.delivered ? 'delivered' : 'failed',
          attempts: d.attempts,
          lastResult: d.httpStatus !== undefined ? `HTTP ${d.httpStatus}` : d.error,
        });
      }
    } else if (execution.status.name === 'RUNNING') {
      const { raw } = await handle.describe();
      for (const pending of raw.pendingActivities ?? []) {
        if (pending.activityType?.name !== 'deliverWebhook' || !pending.activityId) continue;
        views.push({
          ...common,
          id: deliveryId(common.eventId, pending.activityId),
          subscriber: pending.activityId,
          state: 'delivering',
          // A retry waiting for its time is scheduled as the next attempt; one under way counts.
          attempts: (pending.attempt ?? 1) - (pending.state === STARTED ? 0 : 1),
          lastResult: await failureMessage(pending.lastFailure),
          nextAttemptAt: isoTime(pending.nextAttemptScheduleTime),
        });
      }
    }
  }
  return views.sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.id.localeCompare(b.id));
}

/** Sends one event to one subscriber again, in a delivery workflow of its own. */
export async function redeliver(
  client: Client,
  taskQueue: string,
  id: string,
): Promise<{ id: string; workflowId: string } | undefined> {
  const at = id.lastIndexOf(SEPARATOR);
  if (at <= 0) return undefined;
  const [eventId, subscriber] = [id.slice(0, at), id.slice(at + 1)];
  let memo: NotificationMemo | undefined;
  try {
    memo = (await client.workflow.getHandle(eventId).describe()).memo as NotificationMemo | undefined;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
  if (!memo?.event) return undefined;
  const input: NotificationMemo = { event: memo.event, only: subscriber };
  const workflowId = `${eventId}-again-${Date.now()}`;
  await client.workflow.start(NOTIFICATION_WORKFLOW_TYPE, {
    workflowId,
    taskQueue,
    args: [input],
    memo: { ...input },
    typedSearchAttributes: [{ key: SEARCH_ATTRIBUTES.tid, value: memo.event.data.tid }],
  });
  return { id, workflowId };
}
