/**
 * Outcome notifications (docs/contract/refund-api.md, "Outcome notifications"): the public event
 * names and body. Imported by workflow code too: no I/O, no Node built-ins.
 */
import { type Phase, RefundOutcome, RefundPhase } from '../contract/names';
import type { RefundState } from '../contract/types';

export const NOTIFICATION_WORKFLOW_TYPE = 'refundNotificationWorkflow';

export const EVENT_TYPES = [
  'refund.awaiting_otp',
  'refund.pending',
  ...Object.values(RefundOutcome).map((outcome) => `refund.${outcome.toLowerCase()}` as const),
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** The body every subscriber receives. Never an OTP, otp_ref_id, mobile or key. */
export interface WebhookEvent {
  /** Unique per event, the same on every delivery of it: receivers dedupe on it. */
  id: string;
  type: EventType;
  createdAt: string;
  data: {
    tid: string;
    phase: Phase;
    outcome?: RefundOutcome;
    amount?: string;
    refundTid?: string;
    ekoMessage?: string;
  };
}

/** The event a phase announces, if it announces one. */
export function eventTypeOf(phase: Phase): EventType | undefined {
  if (phase === RefundPhase.AWAITING_OTP) return 'refund.awaiting_otp';
  if (phase === RefundPhase.PENDING) return 'refund.pending';
  const outcome = `refund.${phase.toLowerCase()}`;
  return (EVENT_TYPES as readonly string[]).includes(outcome) ? (outcome as EventType) : undefined;
}

/**
 * The event of a refund's phase. Its id (also the workflow id of its delivery) is the same for
 * every run of a reset chain, so a reset does not announce a phase twice; a new start of the tid
 * is a new refund with new events.
 */
export function eventOf(state: RefundState, type: EventType, chainRunId: string, at: number): WebhookEvent {
  const { tid, phase, outcome, refund, lastEkoAnswer } = state;
  const data = {
    tid,
    phase,
    outcome,
    amount: refund?.amount,
    refundTid: refund?.refundTid,
    ekoMessage: lastEkoAnswer?.message,
  };
  return {
    id: `refund-${tid}-${type.slice('refund.'.length)}-${chainRunId}`,
    type,
    createdAt: new Date(at).toISOString(),
    data: JSON.parse(JSON.stringify(data)),
  };
}

/** What a refund's notification workflow keeps for the API's listing (its memo). */
export interface NotificationMemo {
  event: WebhookEvent;
  /** Set on a redelivery: the one subscriber it goes to. */
  only?: string;
}

/** A notification workflow's input. */
export type NotificationInput = NotificationMemo;

/** How each subscriber's delivery of one event ended. */
export interface Delivery {
  subscriber: string;
  delivered: boolean;
  /** The subscriber's last HTTP status, when it answered. */
  httpStatus?: number;
  attempts: number;
  /** Why it was not delivered, after 3 days of retries or because the subscriber left REFUND_WEBHOOKS. */
  error?: string;
  at: string;
}
