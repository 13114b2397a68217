import { isGrpcServiceError, WorkflowNotFoundError } from '@temporalio/client';
import { type RefundClient, RefundRequestError } from '../client';
import { ConfigError, loadTemporalConfig } from '../config';
import { InvalidInputError, workflowIdFor } from '../contract';
import { CLI, CliError, ExitCode } from './exit-codes';

/** Turns any failure into an exit code and a message that says what to do next. */
export function explain(err: unknown, context: { tid?: string }): CliError {
  if (err instanceof CliError) return err;
  if (err instanceof InvalidInputError) {
    return new CliError(ExitCode.USAGE, `${err.message}. See ${CLI} --help.`);
  }
  if (grpcCode(err) === GRPC_UNAVAILABLE) return unreachable(err);
  if (grpcCode(err) === GRPC_DEADLINE_EXCEEDED) return workerSilent(err);
  if (err instanceof RefundRequestError && context.tid !== undefined) return explainRefusal(err, context.tid);
  return new CliError(ExitCode.UNEXPECTED, `unexpected error: ${messageOf(err)}`);
}

function explainRefusal(err: RefundRequestError, tid: string): CliError {
  switch (err.reason) {
    case 'not-found':
      return notFound(tid);
    case 'refund-ended':
      return new CliError(ExitCode.REFUSED, `${err.message}. Nothing more to do.`);
    default:
      return new CliError(ExitCode.REFUSED, `${err.message}. See where the refund stands: ${CLI} status ${tid}`);
  }
}

export function notFound(tid: string): CliError {
  const { namespace } = loadTemporalConfig();
  return new CliError(
    ExitCode.NOT_FOUND,
    `no refund workflow for tid ${tid} in namespace ${namespace}. Start one with ${CLI} start ${tid}, ` +
      `or find it with ${CLI} list (check TEMPORAL_NAMESPACE if you expected it here).`,
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
  // Settings refused before any connection (NODE_ENV=production without REFUND_ENCRYPTION_KEYS...)
  // are not a server problem: say what to fix.
  if (err instanceof ConfigError) return new CliError(ExitCode.USAGE, err.message);
  const { connectionOptions, namespace } = loadTemporalConfig();
  return new CliError(
    ExitCode.UNREACHABLE,
    `cannot reach Temporal at ${connectionOptions.address} (namespace ${namespace}): ${messageOf(err)}. ` +
      'Is the server running (npm run dev starts one)? Point TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE at yours.',
  );
}

/** A worker that does not answer an update in time: Temporal gives up on the call. */
function workerSilent(err: unknown): CliError {
  return new CliError(
    ExitCode.UNREACHABLE,
    `Temporal got no answer from a refund worker in time (${messageOf(err)}). Is the worker running ` +
      "(npm start, or npm run dev) on the refund's task queue? The refund itself is safe: it waits in Temporal.",
  );
}

// gRPC status codes: UNAVAILABLE means the server is gone; DEADLINE_EXCEEDED on a call that a
// worker must answer (an update) means no worker did.
const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_UNAVAILABLE = 14;

function grpcCode(err: unknown): number | undefined {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (isGrpcServiceError(e)) return e.code;
  }
  return undefined;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
