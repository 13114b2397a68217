/** Reading the workflow's input: a start that cannot run fails at once, naming the fields. */
import { ApplicationFailure, workflowInfo } from '@temporalio/workflow';
import { FAILURE_TYPES, workflowIdFor } from '../contract/names';
// The rules in plain code, not the zod schemas: zod evaluated in every cached workflow costs memory.
import { checkRefundInput, describeIssues, REFUND_INPUT_FIELDS, unknownFields } from '../contract/rules';
import type { RefundParams } from '../contract/schemas';

/**
 * Validates and completes the input. Unknown fields (a newer client's) are ignored and reported,
 * so an older worker still runs the refund during a rolling upgrade.
 */
export function readInput(raw: unknown): { params: RefundParams; ignored: string[] } {
  const checked = checkRefundInput(raw);
  if (!checked.ok) invalid(describeIssues(checked.issues));
  // One refund workflow per Eko transaction: a second one under another id could call Eko while the
  // first does (a start by hand, "start like this one" in the Web UI).
  const { workflowId } = workflowInfo();
  if (workflowId !== workflowIdFor(checked.value.tid)) {
    invalid(`workflow id must be ${workflowIdFor(checked.value.tid)} (one refund workflow per tid), not ${workflowId}`);
  }
  return { params: checked.value, ignored: unknownFields(raw, REFUND_INPUT_FIELDS) };
}

function invalid(problems: string): never {
  throw ApplicationFailure.nonRetryable(`invalid refund input: ${problems}`, FAILURE_TYPES.invalidInput);
}
