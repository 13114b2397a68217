import { isGrpcServiceError, WorkflowNotFoundError } from '@temporalio/client';
import { type RefundClient, RefundRequestError } from '../client';
import { loadTemporalConfig } from '../config';
import { InvalidInputError, workflowIdFor } from '../shared/contract';
import { CliError, ExitCode } from './exit-codes';

/** Turns any failure into an exit code and a message that says what to do next. */
export async function explain(err: unknown, context: { tid?: string; refunds?: RefundClient }): Promise<CliError> {
  if (err instanceof CliError) return err;
  if (err instanceof InvalidInputError) {
    return new CliError(ExitCode.USAGE, `${err.message}. See eko-refund --help.`);
  }
  if (isUnreachable(err)) return unreachable(err);
  if (err instanceof RefundRequestError && context.tid !== undefined && context.refunds) {
    return explainRefusal(err, context.tid, context.refunds);
  }
  return new CliError(ExitCode.UNEXPECTED, `unexpected error: ${messageOf(err)}`);
}

/** The client reports a missing workflow and a refusal alike; Temporal tells which it was. */
async function explainRefusal(err: RefundRequestError, tid: string, refunds: RefundClient): Promise<CliError> {
  const state = await workflowStatus(refunds, tid).catch(() => 'unknown');
  if (state === 'missing') return notFound(tid);
  return new CliError(ExitCode.REFUSED, `${err.message}. See where the refund stands: eko-refund status ${tid}`);
}

export function notFound(tid: string): CliError {
  const { namespace } = loadTemporalConfig();
  return new CliError(
    ExitCode.NOT_FOUND,
    `no refund workflow for tid ${tid} in namespace ${namespace}. Start one with eko-refund start ${tid}, ` +
      'or find it with eko-refund list (check TEMPORAL_NAMESPACE if you expected it here).',
  );
}

/** `missing`, or the workflow execution status (RUNNING, COMPLETED, TERMINATED, ...). */
export async function workflowStatus(refunds: RefundClient, tid: string): Promise<string> {
  try {
    const description = await refunds.client.workflow.getHandle(workflowIdFor(tid)).describe();
    return description.status.name;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return 'missing';
    throw err;
  }
}

export function unreachable(err: unknown): CliError {
  const { connectionOptions, namespace } = loadTemporalConfig();
  return new CliError(
    ExitCode.UNREACHABLE,
    `cannot reach Temporal at ${connectionOptions.address} (namespace ${namespace}): ${messageOf(err)}. ` +
      'Is the server running (npm run dev starts one)? Point TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE at yours.',
  );
}

// gRPC status codes DEADLINE_EXCEEDED (4) and UNAVAILABLE (14): the server did not answer.
const GRPC_UNREACHABLE = [4, 14];

function isUnreachable(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (isGrpcServiceError(e) && GRPC_UNREACHABLE.includes(e.code)) return true;
    if (/Failed to connect/i.test(e.message)) return true;
  }
  return false;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
