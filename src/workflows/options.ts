/** The refund's activity option sets, named, built from its input. */
import type { ActivityOptions } from '@temporalio/workflow';
import { toMs } from '../contract/duration';
import type { RefundParams } from '../contract/schemas';

const MINUTE = 60_000;

export interface RefundActivityOptions {
  /** Inquiries until Eko gives a final status: each retry is one poll, so history does not grow with them. */
  poll: ActivityOptions;
  /** Get Refund OTP: a while, then the refund waits for the OTP Eko texted at failure anyway. */
  otp: ActivityOptions;
  /** Initiate Refund: configuration errors and settle windows are retried up to submitDeadline. */
  submit: ActivityOptions;
}

/** Never throws for an input the rules accepted (a property test holds it to that). */
export function activityOptions(input: RefundParams): RefundActivityOptions {
  const callMs = toMs(input.ekoCallTimeout);
  const pollMs = toMs(input.pollInterval);
  const startToCloseTimeout = callMs;
  return {
    poll: {
      startToCloseTimeout,
      scheduleToCloseTimeout: toMs(input.pollDeadline),
      retry: { initialInterval: pollMs, backoffCoefficient: 2, maximumInterval: toMs(input.maxPollInterval) },
    },
    otp: {
      startToCloseTimeout,
      scheduleToCloseTimeout: Math.max(10 * MINUTE, 2 * callMs),
      retry: { initialInterval: 1_000, backoffCoefficient: 2, maximumInterval: MINUTE },
    },
    submit: {
      startToCloseTimeout,
      scheduleToCloseTimeout: toMs(input.submitDeadline),
      retry: { initialInterval: 2_000, backoffCoefficient: 2, maximumInterval: MINUTE },
    },
  };
}
