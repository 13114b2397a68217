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
import { loadTemporalConfig } from './config';
import {
  type CancelRequest,
  cancelRequestSchema,
  type OtpSubmission,
  otpSubmissionSchema,
  parseOrThrow,
  type Phase,
  type RefundInput,
  refundInputSchema,
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
  requesterDigest,
} from './visibility';
import { type ExportRow, exportRefunds } from './export';
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

/**
 * A refund operation that could not be done: no workflow for the tid (`not_found`), the refund
 * already ended (`ended`), or the workflow refused it (`refused`: wrong phase, rate limit...).
 */
export class RefundRequestError extends Error {
  override readonly name = 'RefundRequestError';
  constructor(
    message: string,
    readonly reason: 'not_found' | 'ended' | 'refused',
    /** A resend refused as too soon: when to try again. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
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
   */
  async start(input: RefundInput): Promise<StartedRefund> {
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
      return { workflowId, runId: running.runId, created: false };
    }
  }

  /** Submits the customer's OTP and answers once Eko has seen it. */
  async submitOtp(tid: string, submission: OtpSubmission): Promise<SubmitOtpResponse> {
    const valid = parseOrThrow(otpSubmissionSchema, submission, 'OTP submission');
    return this.update(tid, () => this.handle(tid).executeUpdate(submitOtpUpdate, { args: [valid] }));
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
      const result = await this.client.workflow.getHandle<typeof refundWorkflow>(workflowId, runId).result();
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
    if (!started) throw new RefundRequestError(`no notification ${id}`, 'not_found');
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
      return await call();
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      // Temporal says "not found" both for no workflow and for one that already closed.
      const description = await this.handle(tid)
        .describe()
        .catch(() => undefined);
      if (!description) throw new RefundRequestError(`no refund workflow for tid ${tid}`, 'not_found');
      const phase = description.typedSearchAttributes.get(PHASE_KEY);
      const outcome = description.status.name === 'COMPLETED' ? phase : `workflow ${description.status.name}`;
      throw new RefundRequestError(`the refund of tid ${tid} already ended: ${outcome}`, 'ended');
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
        const type = failure?.type;
        const wait = type === FAILURE_TYPES.resendTooSoon ? failure?.details?.[0] : undefined;
        const retryAfterSeconds = (wait as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
        const reason = type === FAILURE_TYPES.refundEnded ? 'ended' : 'refused';
        throw new RefundRequestError(cause?.message ?? err.message, reason, retryAfterSeconds);
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
