/** Reading the workflow's input: a start that cannot run fails at once, naming the fields. */
import { ApplicationFailure } from '@temporalio/workflow';
import { FAILURE_TYPES } from '../contract/names';
import {
  describeZodError,
  legacyRefundInputSchema,
  lenientRefundInputSchema,
  REFUND_INPUT_FIELDS,
  type RefundParams,
  unknownFields,
} from '../contract/schemas';

/**
 * Validates and completes the input. Unknown fields (a newer client's) are ignored and reported,
 * so an older worker still runs the refund during a rolling upgrade. `legacy` reads the input as
 * refunds started before the input's bounds did.
 */
export function readInput(raw: unknown, legacy: boolean): { params: RefundParams; ignored: string[] } {
  const schema = legacy ? legacyRefundInputSchema : lenientRefundInputSchema;
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw ApplicationFailure.nonRetryable(
      `invalid refund input: ${describeZodError(parsed.error)}`,
      FAILURE_TYPES.invalidInput,
    );
  }
  return { params: parsed.data, ignored: unknownFields(raw, REFUND_INPUT_FIELDS) };
}
