/** Reading the workflow's input: a start that cannot run fails at once, naming the fields. */
import { ApplicationFailure } from '@temporalio/workflow';
// The rules in plain code, not the zod schemas: zod evaluated in every cached workflow costs memory.
import { checkRefundInput, describeIssues, REFUND_INPUT_FIELDS, unknownFields } from '../contract/rules';
import type { RefundParams } from '../contract/schemas';

export const INVALID_INPUT = 'InvalidRefundInput';

/**
 * Validates and completes the input. Unknown fields (a newer client's) are ignored and reported,
 * so an older worker still runs the refund during a rolling upgrade. `legacy` reads the input as
 * refunds started before the input's bounds did.
 */
export function readInput(raw: unknown, legacy: boolean): { params: RefundParams; ignored: string[] } {
  const checked = checkRefundInput(raw, { bounded: !legacy });
  if (!checked.ok) {
    throw ApplicationFailure.nonRetryable(`invalid refund input: ${describeIssues(checked.issues)}`, INVALID_INPUT);
  }
  return { params: checked.value, ignored: unknownFields(raw, REFUND_INPUT_FIELDS) };
}
