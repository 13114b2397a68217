import {
  Client,
  Connection,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type WorkflowHandle,
} from '@temporalio/client';
import { ApplicationFailure, type LoadedDataConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { dataConverterFor, loadEncryptionConfig } from './codec';
import { ENCODING_ENCRYPTED, isEncrypted, PayloadDecryptionError } from './codec/encryption';
import { loadTemporalConfig } from './config';
import {
  type CancelRequest,
  cancelRequestSchema,
  type OtpSubmission,
  otpSubmissionSchema,
  parseOrThrow,
  type Phase,
  differingOptions,
  InvalidInputError,
  lenientRefundInputSchema,
  type RefundInput,
  refundInputSchema,
  type RefundParams,
  type RefundResult,
  type RefundState,
  type ResendOtpResponse,
  type ResendRequest,
  resendRequestSchema,
  SEARCH_ATTRIBUTES,
  type SubmitOtpResponse,
  TASK_QUEUE,
  tidSchema,
  WORKFLOW_TYPE,
  workflowIdFor,
} from './contract';
import {
  cancelUpdate,
  FAILURE_TYPES,
  initialState,
  resendOtpUpdate,
  searchAttributesOf,
  stateFromSearchAttributes,
  submitOtpUpdate,
} from './contract';
import {
  type CountFilter,
  countRefunds,
  listRefundPage,
  type ListPageOptions,
  type RefundFilter,
  type RefundPage,
  type RefundSummary,
  decodePayload,
  requesterDigest,
} from './visibility';
import { type ExportRow, exportRefunds } from './export';
import { mapConcurrently } from './concurrency';
import type { refundWorkflow } from './workflows/refund';
import { type DeliveryView, listDeliveries, redeliver } from './notifications/deliveries';

export type { CountFilter, ListPageOptions, RefundFilter, RefundPage, RefundSummary };
export { csvLines, EXPORT_COLUMNS, type ExportRow } from './export';
export type { DeliveryView } from './notifications/deliveries';
export { EVENT_TYPES, type EventType, type WebhookEvent } from './notifications/events';
export { SIGNATURE_HEADER, verifyWebhook } from './notifications/signature';

const { phase: PHASE_KEY, requester: REQUESTER_KEY } = SEARCH_ATTRIBUTES;

/** What Temporal knows about the activity in flight: polls show up here, not in history. */
export interface PendingActivity {
  activityType: string;
  attempt: number;
  lastFailure?: string;
  nextAttemptAt?: string;
}

export interface RefundStatus extends RefundState {
  workflowId: string;
  runId: string;
  /** Temporal's status of the run: RUNNING, COMPLETED, or TERMINATED / FAILED by hand or by a bug. */
  workflowStatus: string;
  pendingActivity?: PendingActivity;
}

export interface StartedRefund {
  workflowId: string;
  runId: string;
  /** False when a refund of the tid was already running: this is that one. */
  created: boolean;
}

/** At most this many tids in one batch, started this many at a time. */
export const MAX_BATCH = 1_000;
const BATCH_STARTS = 16;

/** One tid's result in a batch: `failed` when Temporal did not answer (start it again; nothing is half-done). */
export interface BatchResult {
  tid: string;
  result: 'started' | 'already-running' | 'invalid' | 'failed';
  detail?: string;
}

/** Why a refund operation was refused: the HTTP API's problem type of the same name. */
export type RefusalReason =
  | 'not-found'
  | 'start-conflict'
  | 'not-awaiting-otp'
  | 'refund-ended'
  | 'submitted-to-eko'
  | 'resend-refused'
  | 'resend-too-soon'
  | 'refused';

/** The workflow's failure types as refusal reasons; the server's own when an update outlived the run. */
const REASONS: Record<string, RefusalReason> = {
  [FAILURE_TYPES.refundEnded]: 'refund-ended',
  [FAILURE_TYPES.submittedToEko]: 'submitted-to-eko',
  [FAILURE_TYPES.notAwaitingOtp]: 'not-awaiting-otp',
  [FAILURE_TYPES.resendRefused]: 'resend-refused',
  [FAILURE_TYPES.resendTooSoon]: 'resend-too-soon',
  AcceptedUpdateCompletedWorkflow: 'refund-ended',
};

/**
 * A refund operation that could not be done, and why (`reason`). Nothing was changed: a start
 * conflict names the options that differ (`details.fields`), a resend too soon says when to try
 * again (`details.retryAfterSeconds`).
 */
export class RefundRequestError extends Error {
  override readonly name = 'RefundRequestError';
  constructor(
    message: string,
    readonly reason: RefusalReason,
    readonly details: { retryAfterSeconds?: number; fields?: string[] } = {},
  ) {
    super(message);
  }
  get retryAfterSeconds(): number | undefined {
    return this.details.retryAfterSeconds;
  }
}

/**
 * The refund's payloads are encrypted and this client cannot read them (no key, or not the key
 * they were written with), or it would send an OTP in clear to workers that encrypt.
 */
export class PayloadKeyError extends Error {
  override readonly name = 'PayloadKeyError';
}

/** Runs a read; a payload this client cannot decode becomes a PayloadKeyError naming the setting. */
async function readable<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    const undecodable =
      err instanceof PayloadDecryptionError || (err instanceof Error && err.message.includes(ENCODING_ENCRYPTED));
    if (!undecodable) throw err;
    throw new PayloadKeyError(
      `the refund's payloads are encrypted with a key this client does not have (${err.message}); set ` +
        "REFUND_ENCRYPTION_KEYS to the workers' keys",
    );
  }
}

/** The typed client other services and the CLI use. Every input is validated before any call. */
export class RefundClient {
  constructor(
    readonly client: Client,
    readonly taskQueue: string = TASK_QUEUE,
  ) {}

  /** Connects with the SDK's env-config (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TLS, API key). */
  static async connect(taskQueue = process.env.REFUND_TASK_QUEUE || TASK_QUEUE): Promise<RefundClient> {
    const { connectionOptions, namespace } = loadTemporalConfig();
    const dataConverter = dataConverterFor(loadEncryptionConfig());
    const connection = await Connection.connect(connectionOptions);
    return new RefundClient(new Client({ connection, namespace, dataConverter }), taskQueue);
  }

  /**
   * Starts the refund of one tid, or returns the workflow already running for it. A tid that was
   * refunded before is never refunded again: a new run's CHECKING step finds tx_status 4.
   * When the running one has other options, `onConflict: 'refuse'` (the default) throws a
   * `start-conflict` naming them; `'use'` returns it all the same (Eko's callback, batches).
   */
  async start(
    input: RefundInput,
    { onConflict = 'refuse' }: { onConflict?: 'refuse' | 'use' } = {},
  ): Promise<StartedRefund> {
    const params = parseOrThrow(refundInputSchema, input, 'refund input');
    const workflowId = workflowIdFor(params.tid);
    const memo = Object.fromEntries(
      Object.entries({ requestedBy: params.requestedBy, reason: params.reason }).filter(([, v]) => v !== undefined),
    );
    // One live workflow per tid. The SDK does not pass on the server's "started" flag of
    // USE_EXISTING, so ask with FAIL and answer with the running one: the same behaviour, and the
    // server decides atomically which of two concurrent starts created the run.
    try {
      const handle = await this.client.workflow.start<typeof refundWorkflow>(WORKFLOW_TYPE, {
        workflowId,
        taskQueue: this.taskQueue,
        args: [input],
        workflowIdConflictPolicy: 'FAIL',
        typedSearchAttributes: [
          ...searchAttributesOf(initialState(params.tid, params.maxOtpAttempts, Date.now())),
          ...(params.requestedBy ? [{ key: REQUESTER_KEY, value: requesterDigest(params.requestedBy) }] : []),
        ],
        memo,
      });
      return { workflowId, runId: handle.firstExecutionRunId, created: true };
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      const running = await this.client.workflow.getHandle(workflowId).describe();
      const fields = onConflict === 'refuse' ? await this.differingFrom(workflowId, running.runId, params) : [];
      if (fields.length > 0) {
        const message = `a refund of tid ${params.tid} is already running with other ${fields.join(', ')}`;
        throw new RefundRequestError(message, 'start-conflict', { fields });
      }
      return { workflowId, runId: running.runId, created: false };
    }
  }

  /**
   * Starts the refunds of many tids (at most 1,000), each as `start` would with default options;
   * one result per tid, in order. A bad tid, or one Temporal did not take, does not stop the others.
   */
  async startMany(tids: readonly unknown[], extra: Omit<RefundInput, 'tid'> = {}): Promise<BatchResult[]> {
    if (tids.length > MAX_BATCH)
      throw new InvalidInputError(`invalid batch: at most ${MAX_BATCH} tids, not ${tids.length}`);
    const given = tids.map((tid) => (typeof tid === 'number' && Number.isSafeInteger(tid) ? String(tid) : tid));
    const first = new Map<unknown, number>();
    given.forEach((tid, i) => first.has(tid) || first.set(tid, i));
    return mapConcurrently(given, BATCH_STARTS, async (tid, i): Promise<BatchResult> => {
      if (typeof tid !== 'string' || !tidSchema.safeParse(tid).success) {
        return { tid: String(tid).slice(0, 40), result: 'invalid', detail: 'tid must be 1 to 20 digits' };
      }
      if (first.get(tid) !== i) return { tid, result: 'already-running', detail: 'listed earlier in this batch' };
      try {
        const started = await this.start({ tid, ...extra }, { onConflict: 'use' });
        return { tid, result: started.created ? 'started' : 'already-running' };
      } catch (err) {
        if (err instanceof InvalidInputError) return { tid, result: 'invalid', detail: err.message };
        const why = (err instanceof Error ? err.message : String(err)).slice(0, 200);
        return { tid, result: 'failed', detail: `Temporal did not take the start (${why}); start this tid again` };
      }
    });
  }

  /** The options a run was started with that differ from `params`; none when its input cannot be read. */
  private async differingFrom(workflowId: string, runId: string, params: RefundParams): Promise<string[]> {
    const { history } = await this.client.workflowService.getWorkflowExecutionHistory({
      namespace: this.client.options.namespace,
      execution: { workflowId, runId },
      maximumPageSize: 1,
    });
    const payload = history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    const running = lenientRefundInputSchema.safeParse(
      await decodePayload(this.client.options.loadedDataConverter, payload),
    );
    return running.success ? differingOptions(running.data, params) : [];
  }

  /** Submits the customer's OTP and answers once Eko has seen it. */
  async submitOtp(tid: string, submission: OtpSubmission): Promise<SubmitOtpResponse> {
    const valid = parseOrThrow(otpSubmissionSchema, submission, 'OTP submission');
    await this.refuseOtpInClear(tid);
    return this.update(tid, () => this.handle(tid).executeUpdate(submitOtpUpdate, { args: [valid] }));
  }

  /**
   * Without a payload key, an OTP would sit in Temporal's history in clear: refused when the
   * refund's own input shows that the workers encrypt (the worker would still take it).
   */
  private async refuseOtpInClear(tid: string): Promise<void> {
    if (this.client.options.loadedDataConverter.payloadCodecs.length > 0) return;
    // The current run's first event, raw: a description would fail on the encrypted memo.
    const { history } = await this.client.workflowService
      .getWorkflowExecutionHistory({
        namespace: this.client.options.namespace,
        execution: { workflowId: workflowIdFor(parseOrThrow(tidSchema, tid, 'tid')) },
        maximumPageSize: 1,
      })
      .catch(() => ({ history: undefined })); // no refund: the update says so
    const input = history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    if (isEncrypted(input)) {
      throw new PayloadKeyError(
        'this client has no payload key, but the refund workers encrypt: an OTP sent now would be stored in ' +
          "Temporal's history in clear. Set REFUND_ENCRYPTION_KEYS to the workers' keys (docs/operations/configuration.md)",
      );
    }
  }

  async resendOtp(tid: string, request: ResendRequest = {}): Promise<ResendOtpResponse> {
    const valid = parseOrThrow(resendRequestSchema, request, 'resend request');
    return this.update(tid, () => this.handle(tid).executeUpdate(resendOtpUpdate, { args: [valid] }));
  }

  /** Cancels a refund that has not reached Eko; refused once it has. */
  async cancel(tid: string, request: CancelRequest): Promise<{ phase: Phase }> {
    const valid = parseOrThrow(cancelRequestSchema, request, 'cancel request');
    return this.update(tid, () => this.handle(tid).executeUpdate(cancelUpdate, { args: [valid] }));
  }

  /**
   * The refund's state, read without a worker: a completed refund's from its result (the final
   * state), a running one's from what visibility keeps (search attributes, the pending activity's
   * attempt, last failure and next attempt). Never the `state` query, which makes a worker replay.
   */
  async getState(tid: string): Promise<RefundStatus> {
    const description = await this.found(tid, () => this.handle(tid).describe());
    const { workflowId, runId } = description;
    const ran = { workflowId, runId, workflowStatus: description.status.name };
    if (description.status.name === 'COMPLETED') {
      const result = await readable(() =>
        this.client.workflow.getHandle<typeof refundWorkflow>(workflowId, runId).result(),
      );
      return { ...result.state, ...ran };
    }
    const pending = description.raw.pendingActivities?.[0];
    const state = stateFromSearchAttributes(
      description.typedSearchAttributes,
      description.startTime,
      pending?.activityType?.name ?? undefined,
    );
    const nextAttempt = pending?.nextAttemptScheduleTime;
    return {
      ...state,
      ...ran,
      pendingActivity: pending
        ? {
            activityType: pending.activityType?.name ?? 'unknown',
            attempt: pending.attempt ?? 1,
            lastFailure: await failureMessage(this.client.options.loadedDataConverter, pending.lastFailure),
            nextAttemptAt: nextAttempt
              ? new Date(
                  Number(nextAttempt.seconds ?? 0) * 1000 + Math.floor((nextAttempt.nanos ?? 0) / 1e6),
                ).toISOString()
              : undefined,
          }
        : undefined,
    };
  }

  /** The refund's webhook deliveries: one line per event and subscriber, oldest first. */
  async notifications(tid: string): Promise<DeliveryView[]> {
    parseOrThrow(tidSchema, tid, 'tid');
    return listDeliveries(this.client, tid, (failure) =>
      failureMessage(this.client.options.loadedDataConverter, failure),
    );
  }

  /** Sends one event to one subscriber again (`id` as `notifications` lists it). */
  async redeliver(id: string): Promise<{ id: string; workflowId: string }> {
    const started = await redeliver(this.client, this.taskQueue, id);
    if (!started) throw new RefundRequestError(`no notification ${id}`, 'not-found');
    return started;
  }

  /** Refunds by phase (or all), newest first, through Temporal visibility. */
  async list(options: { phase?: string; limit?: number } = {}): Promise<RefundSummary[]> {
    const limit = options.limit ?? 100;
    const refunds: RefundSummary[] = [];
    let pageToken: string | undefined;
    do {
      const pageSize = Math.min(limit - refunds.length, 1000);
      const page = await this.listPage({ phase: options.phase, pageSize, pageToken });
      refunds.push(...page.refunds);
      pageToken = page.nextPageToken;
    } while (pageToken && refunds.length < limit);
    return refunds;
  }

  /** One page of refunds (by phase, by tid), newest first; pass `nextPageToken` on for the next page. */
  listPage(options: ListPageOptions = {}): Promise<RefundPage> {
    return listRefundPage(this.client, options);
  }

  /** Every refund that matches as a reconciliation row, newest first (`csvLines` writes them as CSV). */
  export(filter: RefundFilter = {}): AsyncGenerator<ExportRow> {
    return exportRefunds(this.client, filter);
  }

  /** How many refunds match, from visibility counts (approximate, eventually consistent). */
  count(filter: CountFilter): Promise<number> {
    return countRefunds(this.client, filter);
  }

  /** Waits for the refund's outcome. */
  async result(tid: string): Promise<RefundResult> {
    return this.found(tid, () => this.handle(tid).result());
  }

  private handle(tid: string): WorkflowHandle<typeof refundWorkflow> {
    return this.client.workflow.getHandle(workflowIdFor(parseOrThrow(tidSchema, tid, 'tid')));
  }

  private async found<T>(tid: string, call: () => Promise<T>): Promise<T> {
    try {
      return await readable(call);
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      // Temporal says "not found" both for no workflow and for one that already closed.
      const description = await this.handle(tid)
        .describe()
        .catch(() => undefined);
      if (!description) throw new RefundRequestError(`no refund workflow for tid ${tid}`, 'not-found');
      const phase = description.typedSearchAttributes.get(PHASE_KEY);
      const outcome = description.status.name === 'COMPLETED' ? phase : `workflow ${description.status.name}`;
      throw new RefundRequestError(`the refund of tid ${tid} already ended: ${outcome}`, 'refund-ended');
    }
  }

  private async update<T>(tid: string, call: () => Promise<T>): Promise<T> {
    try {
      return await this.found(tid, call);
    } catch (err) {
      // A validator's refusal: say why, in the workflow's words.
      if (err instanceof WorkflowUpdateFailedError) {
        const { cause } = err;
        const failure = cause instanceof ApplicationFailure ? cause : undefined;
        const reason = REASONS[failure?.type ?? ''] ?? 'refused';
        const wait = reason === 'resend-too-soon' ? failure?.details?.[0] : undefined;
        const retryAfterSeconds = (wait as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
        throw new RefundRequestError(cause?.message ?? err.message, reason, { retryAfterSeconds });
      }
      throw err;
    }
  }
}

/** A failure's message as the SDK decodes results: with encryption the raw one reads "Encoded failure". */
export async function failureMessage(
  converter: LoadedDataConverter,
  failure: temporal.api.failure.v1.IFailure | null | undefined,
): Promise<string | undefined> {
  if (!failure) return undefined;
  let encodedAttributes = failure.encodedAttributes;
  if (encodedAttributes) {
    for (const codec of [...converter.payloadCodecs].reverse())
      [encodedAttributes] = await codec.decode([encodedAttributes]);
  }
  return converter.failureConverter.failureToError({ ...failure, encodedAttributes }, converter.payloadConverter)
    .message;
}
