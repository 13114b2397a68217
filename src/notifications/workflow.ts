/**
 * One event's delivery to its subscribers: an activity per subscriber, each retried with backoff
 * for 3 days, so a subscriber's outage never touches the refund, whose history holds only this
 * workflow's start.
 */
import { ActivityFailure, proxyActivities } from '@temporalio/workflow';
import type { NotificationActivities } from './activities';
import type { Delivery, NotificationInput } from './events';

const DAY = 24 * 3_600_000;
const DELIVERY = {
  // The POST's own timeout (10 s) and a margin: an attempt a killed worker took is retried soon.
  startToCloseTimeout: 15_000,
  scheduleToCloseTimeout: 3 * DAY,
  retry: { initialInterval: 1_000, backoffCoefficient: 2, maximumInterval: 3_600_000 },
};
/** Each delivery's activity id is its subscriber's name: Temporal then shows its attempts by name. */
const deliveryTo = (subscriber: string) =>
  proxyActivities<NotificationActivities>({ ...DELIVERY, activityId: subscriber }).deliverWebhook;
const { subscribersOf } = proxyActivities<NotificationActivities>({ startToCloseTimeout: 10_000 });

export async function refundNotificationWorkflow({ event, only }: NotificationInput): Promise<Delivery[]> {
  const names = only ? [only] : await subscribersOf(event.type);
  return Promise.all(
    names.map((subscriber) =>
      deliveryTo(subscriber)({ event, subscriber }).catch((err: unknown) => {
        const cause = err instanceof ActivityFailure ? err.cause : err;
        return {
          subscriber,
          delivered: false,
          attempts: 0,
          error: (cause as Error | undefined)?.message ?? 'unknown error',
          at: new Date().toISOString(),
        };
      }),
    ),
  );
}
