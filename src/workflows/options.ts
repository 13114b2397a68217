/** The refund's activity option sets, named, built from its input. */
import type { ActivityOptions } from '@temporalio/workflow';
import { toMs } from '../contract/duration';
import type { RefundParams } from '../contract/schemas';

const MINUTE = 60_000;

export interface RefundActivityOptions {
  /** CHECKING and PENDING: each retry is one poll, so history does not grow with the polls. */
  poll: ActivityOptions;
  /** Get Refund OTP: a while, then the refund waits for the OTP Eko texted at failure anyway. */
  otp: ActivityOptions;
  /** Initiate Refund: configuration errors and settle windows are retried up to submitDeadline. */
  submit: ActivityOptions;
  /** The inquiry at the OTP deadline: short, its absence only means OTP_EXPIRED as before. */
  deadlineCheck: ActivityOptions;
}

/**
 * Never throws for an input the schema accepted (a property test holds it to that), and clamps
 * what refunds started before the input's bounds may carry, so no input jams a workflow task.
 */
export function activityOptions(input: RefundParams): RefundActivityOptions {
  const callMs = toMs(input.ekoCallTimeout);
  const pollMs = Math.max(1_000, toMs(input.pollInterval));
  const maxPollMs = Math.max(pollMs, toMs(input.maxPollInterval));
  const startToCloseTimeout = callMs;
  return {
    poll: {
      startToCloseTimeout,
      scheduleToCloseTimeout: toMs(input.pollDeadline),
      retry: { initialInterval: pollMs, backoffCoefficient: 2, maximumInterval: maxPollMs },
    },
    otp: {
      startToCloseTimeout,
      scheduleToCloseTimeout: Math.max(10 * MINUTE, 2 * callMs),
      retry: { initialInterval: 1_000, backoffCoefficient: 2, maximumInterval: MINUTE },
    },
    submit: {
      startToCloseTimeout,
      scheduleToCloseTimeout: Math.max(2 * callMs, toMs(input.submitDeadline)),
      retry: { initialInterval: 2_000, backoffCoefficient: 2, maximumInterval: MINUTE },
    },
    deadlineCheck: {
      startToCloseTimeout,
      scheduleToCloseTimeout: Math.max(5 * MINUTE, 2 * callMs),
      retry: { initialInterval: 1_000, backoffCoefficient: 2, maximumInterval: MINUTE },
    },
  };
}
