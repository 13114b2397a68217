/** The notification activities: who wants an event, and one signed POST to one subscriber. */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from '../contract/names';
import type { PrepareRequest, PrepareResult } from '../activities/results';
import { type Subscriber, wantedEvents } from './config';
import {
  type Delivery,
  type EventType,
  NOTIFICATION_WORKFLOW_TYPE,
  type NotificationInput,
  type WebhookEvent,
} from './events';
import { SIGNATURE_HEADER, signWebhook } from './signature';

const POST_TIMEOUT_MS = 10_000;

/** `client`: starts the deliveries (the worker's own connection). */
export function createNotificationActivities(
  subscribers: readonly Subscriber[],
  client: Pick<Client, 'workflow'>,
  now: () => number = Date.now,
) {
  return {
    /**
     * Starts the event's delivery workflow, its id the event's: a retry, or a reset announcing the
     * event again, finds it started. Nothing starts when no subscriber wants the event.
     */
    async announceEvent(event: WebhookEvent): Promise<void> {
      if (!subscribers.some((s) => s.events.includes(event.type))) return;
      const input: NotificationInput = { event };
      try {
        await client.workflow.start(NOTIFICATION_WORKFLOW_TYPE, {
          workflowId: event.id,
          taskQueue: Context.current().info.taskQueue,
          args: [input],
          memo: { ...input },
          typedSearchAttributes: [{ key: SEARCH_ATTRIBUTES.tid, value: event.data.tid }],
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        });
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
    },

    async subscribersOf(type: EventType): Promise<string[]> {
      return subscribers.filter((s) => s.events.includes(type)).map((s) => s.name);
    },

    /** 2xx delivers; anything else is thrown and retried (the workflow's schedule), naming the answer. */
    async deliverWebhook({ event, subscriber }: { event: WebhookEvent; subscriber: string }): Promise<Delivery> {
      const to = subscribers.find((s) => s.name === subscriber);
      if (!to) {
        throw ApplicationFailure.nonRetryable(
          `subscriber ${subscriber} is no longer in REFUND_WEBHOOKS`,
          'SubscriberGone',
        );
      }
      const body = JSON.stringify(event);
      const { attempt } = Context.current().info;
      let response: Response;
      try {
        response = await fetch(to.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            [SIGNATURE_HEADER]: signWebhook(body, to.secret, now()),
            'user-agent': 'eko-refund-webhooks/1',
          },
          body,
          redirect: 'manual',
          signal: AbortSignal.any([AbortSignal.timeout(POST_TIMEOUT_MS), Context.current().cancellationSignal]),
        });
        await response.arrayBuffer();
      } catch (err) {
        const message = `no answer from ${subscriber}: ${(err as Error).message}`;
        throw ApplicationFailure.create({ message, type: 'SubscriberUnreachable', category: 'BENIGN' });
      }
      if (response.status < 200 || response.status > 299) {
        // A subscriber's outage is expected, not this worker's error: logged quietly, retried.
        const message = `${subscriber} answered HTTP ${response.status}`;
        throw ApplicationFailure.create({ message, type: 'SubscriberRefused', category: 'BENIGN' });
      }
      return {
        subscriber,
        delivered: true,
        httpStatus: response.status,
        attempts: attempt,
        at: new Date(now()).toISOString(),
      };
    },
  };
}

export type NotificationActivities = ReturnType<typeof createNotificationActivities>;

/**
 * The refund's activities, with the check telling the refund which events the subscribers want
 * (`notify`): it announces no other. The money path itself knows nothing of webhooks.
 */
export function withWantedEvents<A extends { prepareRefund(request: PrepareRequest): Promise<PrepareResult> }>(
  activities: A,
  subscribers: readonly Subscriber[],
): A {
  const notify = wantedEvents(subscribers);
  const prepareRefund = async (request: PrepareRequest) => ({ ...(await activities.prepareRefund(request)), notify });
  return { ...activities, prepareRefund };
}
