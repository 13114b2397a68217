/**
 * The refund's side of its notifications, in workflow code: each phase that announces an event
 * (events.ts) starts its delivery once, through one activity that starts the event's own workflow.
 * The refund never waits on a subscriber and hears nothing back (a child's completion would race
 * the refund's own); the event's id is the same on every run of a reset chain, so a reset
 * announces nothing twice.
 */
import { CancellationScope, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { RefundState } from '../contract/types';
import type { NotificationActivities } from './activities';
import { eventOf, type EventType, eventTypeOf } from './events';

// Ten minutes of a Temporal that refuses the start, then the refund notes it and ends anyway.
const { announceEvent } = proxyActivities<NotificationActivities>({
  startToCloseTimeout: 10_000,
  scheduleToCloseTimeout: 10 * 60_000,
  retry: { initialInterval: 1_000, maximumInterval: 60_000 },
});

export class Announcer {
  /** The events webhook subscribers want, as the check learned them (none from a worker without webhooks); unknown: every event. */
  wanted: readonly string[] | undefined;
  private readonly announcing = new Map<EventType, Promise<void>>();

  constructor(private readonly noted: (text: string) => void) {}

  /** A new phase: its event, if it has one nobody announced yet and somebody wants. */
  phase(view: RefundState): void {
    const type = eventTypeOf(view.phase);
    if (!type || this.announcing.has(type) || (this.wanted && !this.wanted.includes(type))) return;
    const event = eventOf(view, type, workflowInfo().firstExecutionRunId, Date.now());
    // Not cut by a Temporal cancel (which is one more message): the event goes out whatever comes.
    const started = CancellationScope.nonCancellable(() => announceEvent(event)).catch((err: unknown) => {
      this.noted(`${type} not announced: ${err instanceof Error ? err.message : String(err)}`);
    });
    this.announcing.set(type, started);
  }

  /** Resolves once every announced event's delivery started: the last one before the refund ends. */
  async done(): Promise<void> {
    await Promise.all(this.announcing.values());
  }
}
