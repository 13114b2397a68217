/**
 * A refund's webhook deliveries as Temporal keeps them, read without a worker: each event's
 * delivery workflow (visibility, by the tid) and its history, one activity per subscriber (its
 * id is the subscriber's name); a retry under way is a pending activity. A redelivery is one more
 * delivery workflow for one subscriber.
 */
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import type { LoadedDataConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTES } from '../contract/names';
import { decodePayload, isoTime } from '../visibility';
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

type Failure = temporal.api.failure.v1.IFailure | null | undefined;
type Reader = { client: Client; failureMessage: (failure: Failure) => Promise<string | undefined> };

const SEPARATOR = '~';
const DELIVER = 'deliverWebhook';
const STARTED = temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED;
const deliveryId = (eventId: string, subscriber: string) => `${eventId}${SEPARATOR}${subscriber}`;

export async function listDeliveries(
  client: Client,
  tid: string,
  failureMessage: (failure: Failure) => Promise<string | undefined>,
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
    const status = execution.status.name;
    const pending = status === 'RUNNING' ? ((await handle.describe()).raw.pendingActivities ?? []) : [];
    for (const delivery of await deliveriesIn(await handle.fetchHistory(), status, pending, {
      client,
      failureMessage,
    })) {
      views.push({ ...common, id: deliveryId(common.eventId, delivery.subscriber), ...delivery });
    }
  }
  return views.sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.id.localeCompare(b.id));
}

type Found = Pick<DeliveryView, 'subscriber' | 'state' | 'attempts' | 'lastResult' | 'nextAttemptAt'>;

/**
 * One line per subscriber the workflow scheduled a delivery to: delivered or given up (its
 * activity closed, with the attempts its last start counted), retrying (pending), or stopped
 * with its workflow (terminated, cancelled, reset away) before it was done.
 */
async function deliveriesIn(
  history: temporal.api.history.v1.IHistory,
  status: string,
  pending: temporal.api.workflow.v1.IPendingActivityInfo[],
  { client, failureMessage }: Reader,
): Promise<Found[]> {
  const subscribers = new Map<string, string>(); // scheduled event id → subscriber
  const found = new Map<string, Found>();
  const attempts = new Map<string, number>();
  const converter: LoadedDataConverter = client.options.loadedDataConverter;
  for (const event of history.events ?? []) {
    const id = String(event.eventId);
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name === DELIVER && scheduled.activityId) {
      subscribers.set(id, scheduled.activityId);
      // Until it closes: under way while its workflow runs (the pending read may predate it), else stopped.
      const running = status === 'RUNNING';
      found.set(scheduled.activityId, {
        subscriber: scheduled.activityId,
        state: running ? 'delivering' : 'failed',
        attempts: 0,
        lastResult: running ? undefined : `delivery stopped: its workflow is ${status}`,
      });
    }
    const started = event.activityTaskStartedEventAttributes;
    if (started) attempts.set(String(started.scheduledEventId), started.attempt ?? 1);
    const closed =
      event.activityTaskCompletedEventAttributes ??
      event.activityTaskFailedEventAttributes ??
      event.activityTaskTimedOutEventAttributes;
    const subscriber = closed && subscribers.get(String(closed.scheduledEventId));
    if (!closed || !subscriber) continue;
    const tries = attempts.get(String(closed.scheduledEventId)) ?? 0;
    if ('result' in closed && closed.result) {
      const delivery = (await decodePayload(converter, closed.result.payloads?.[0])) as Delivery | undefined;
      const lastResult = delivery?.httpStatus !== undefined ? `HTTP ${delivery.httpStatus}` : delivery?.error;
      found.set(subscriber, {
        subscriber,
        state: delivery?.delivered ? 'delivered' : 'failed',
        attempts: tries,
        lastResult,
      });
    } else if ('failure' in closed) {
      found.set(subscriber, {
        subscriber,
        state: 'failed',
        attempts: tries,
        lastResult: await failureMessage(closed.failure),
      });
    }
  }
  for (const activity of pending) {
    if (activity.activityType?.name !== DELIVER || !activity.activityId) continue;
    found.set(activity.activityId, {
      subscriber: activity.activityId,
      state: 'delivering',
      // A retry waiting for its time is scheduled as the next attempt; one under way counts.
      attempts: (activity.attempt ?? 1) - (activity.state === STARTED ? 0 : 1),
      lastResult: await failureMessage(activity.lastFailure),
      nextAttemptAt: isoTime(activity.nextAttemptScheduleTime),
    });
  }
  return [...found.values()];
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
  let sentTo: string[];
  try {
    const handle = client.workflow.getHandle(eventId);
    memo = (await handle.describe()).memo as NotificationMemo | undefined;
    const { events } = await handle.fetchHistory();
    sentTo = (events ?? []).flatMap(({ activityTaskScheduledEventAttributes: a }) =>
      a?.activityType?.name === DELIVER && a.activityId ? [a.activityId] : [],
    );
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
  // Only what was sent before: a subscriber this event never went to is not one to send it to.
  if (!memo?.event || !sentTo.includes(subscriber)) return undefined;
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
