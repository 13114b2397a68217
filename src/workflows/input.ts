/** Reading the workflow's input: a start that cannot run fails at once, naming the fields. */
import { ApplicationFailure, workflowInfo } from '@temporalio/workflow';
import { FAILURE_TYPES, workflowIdFor } from '../contract/names';
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
  if (!parsed.success) invalid(describeZodError(parsed.error));
  // One refund workflow per Eko transaction: a second one under another id could call Eko while the
  // first does (a start by hand, "start like this one" in the Web UI).
  const { workflowId } = workflowInfo();
  if (!legacy && workflowId !== workflowIdFor(parsed.data.tid)) {
    invalid(`workflow id must be ${workflowIdFor(parsed.data.tid)} (one refund workflow per tid), not ${workflowId}`);
  }
  return { params: parsed.data, ignored: unknownFields(raw, REFUND_INPUT_FIELDS) };
}

function invalid(problems: string): never {
  throw ApplicationFailure.nonRetryable(`invalid refund input: ${problems}`, FAILURE_TYPES.invalidInput);
}
