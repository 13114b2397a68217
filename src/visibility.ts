/**
 * Refunds in Temporal visibility: a page of the list, and counts. Search attributes are stored
 * with the default payload converter (never encrypted), so they decode without the codec.
 */
import { createHash } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { defaultDataConverter, defaultPayloadConverter, type LoadedDataConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { type EarlierRun, LONGEST, mayHaveCallInFlight, type RunsOf, type Timings } from './activities/earlier-runs';
import {
  ALL_PHASES,
  InvalidInputError,
  type Phase,
  RefundOutcome,
  SEARCH_ATTRIBUTES,
  tidSchema,
  toMs,
  WORKFLOW_TYPE,
} from './contract';
import { checkRefundInput } from './contract/rules';

const SA = SEARCH_ATTRIBUTES;
const { WorkflowExecutionStatus } = temporal.api.enums.v1;

export interface RefundSummary {
  workflowId: string;
  runId: string;
  tid?: string;
  phase?: string;
  /** Once the refund completed: how it ended. */
  outcome?: RefundOutcome;
  /** The workflow's status as Temporal names it: RUNNING, COMPLETED, TERMINATED... */
  status: string;
  /** The transaction's amount, once Eko's inquiry told it. */
  amount?: string;
  otpDeadline?: string;
  otpAttemptsLeft?: number;
  lastEkoMessage?: string;
  requestedBy?: string;
  startedAt: string;
  closedAt?: string;
}

/**
 * Which refunds: phases and outcomes are values of one search attribute (`RefundPhase` shows the
 * outcome once a refund ends), so a refund matches when it is in any phase or outcome given.
 */
export interface RefundFilter {
  phase?: string | readonly string[];
  outcome?: string | readonly string[];
  tid?: string;
  /** Started at or after this time (ISO 8601 or a Date). */
  startedAfter?: string | Date;
  /** Started before this time. */
  startedBefore?: string | Date;
  /** The API key, person or service that started it (`eko-callback` for Eko's callback). */
  requestedBy?: string;
}

export interface ListPageOptions extends RefundFilter {
  /** 1 to 1000; default 20. */
  pageSize?: number;
  /** The `nextPageToken` of the previous page, with the same filter. */
  pageToken?: string;
}

export interface RefundPage {
  refunds: RefundSummary[];
  /** Absent on the last page. */
  nextPageToken?: string;
}

/** What to count: running refunds (by phase), completed ones (by outcome), or those closed without one. */
export interface CountFilter {
  status: 'running' | 'completed' | 'closedWithoutOutcome';
  phase?: Phase;
  /** Closed at or after this time. */
  closedFrom?: Date;
  /** Closed before this time. */
  closedBefore?: Date;
}

/** One page of refunds, newest first, with Temporal's own page token (opaque, base64url). */
export async function listRefundPage(client: Client, options: ListPageOptions = {}): Promise<RefundPage> {
  const pageSize = options.pageSize ?? 20;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) {
    throw new InvalidInputError('invalid list request: pageSize: must be 1 to 1000');
  }
  const query = refundQuery(filterClauses(options));
  const response = await client.workflowService.listWorkflowExecutions({
    namespace: client.options.namespace,
    query,
    pageSize,
    nextPageToken: options.pageToken ? openPageToken(options.pageToken, query) : undefined,
  });
  const token = response.nextPageToken;
  const converter = client.options.loadedDataConverter;
  return {
    refunds: await Promise.all(
      response.executions.map(async (raw) => ({
        ...summaryFromRaw(raw),
        requestedBy: await requesterOf(converter, raw),
      })),
    ),
    nextPageToken: token && token.length > 0 ? sealPageToken(token, query) : undefined,
  };
}

/*
 * Temporal's page token goes out in an envelope that names its query: a token of another filter,
 * or no token at all, is refused here with a clear error instead of failing (after retries) at
 * the server.
 */
const queryId = (query: string) => createHash('sha256').update(query).digest('base64url').slice(0, 16);

function sealPageToken(token: Uint8Array, query: string): string {
  return Buffer.from(JSON.stringify({ q: queryId(query), t: Buffer.from(token).toString('base64') })).toString(
    'base64url',
  );
}

function openPageToken(pageToken: string, query: string): Buffer {
  let envelope: unknown;
  try {
    envelope = JSON.parse(Buffer.from(pageToken, 'base64url').toString('utf8'));
  } catch {
    envelope = undefined;
  }
  const { q, t } = (envelope ?? {}) as { q?: unknown; t?: unknown };
  if (typeof q !== 'string' || typeof t !== 'string') {
    throw new InvalidInputError('invalid list request: pageToken: not a nextPageToken of this list');
  }
  if (q !== queryId(query)) {
    throw new InvalidInputError('invalid list request: pageToken: belongs to a list with other filters');
  }
  return Buffer.from(t, 'base64');
}

/** How many refunds match (visibility counts are approximate and eventually consistent). */
export async function countRefunds(client: Client, filter: CountFilter): Promise<number> {
  const clauses = filterClauses({ phase: filter.phase });
  clauses.push(
    {
      running: 'ExecutionStatus = "Running"',
      completed: 'ExecutionStatus = "Completed"',
      // A refund terminated or failed by a bug has no outcome: its RefundPhase is where it stopped.
      closedWithoutOutcome: 'ExecutionStatus IN ("Terminated", "Failed", "TimedOut", "Canceled")',
    }[filter.status],
  );
  if (filter.closedFrom) clauses.push(`CloseTime >= "${filter.closedFrom.toISOString()}"`);
  if (filter.closedBefore) clauses.push(`CloseTime < "${filter.closedBefore.toISOString()}"`);
  const { count } = await client.workflow.count(refundQuery(clauses));
  return count;
}

/** Refuses a filter that cannot be asked, naming the field at fault. */
export function checkFilter(filter: RefundFilter): void {
  filterClauses(filter);
}

/** The filters as visibility clauses; values are checked first, so nothing else reaches the query. */
function filterClauses(filter: RefundFilter): string[] {
  const clauses: string[] = [];
  const phases = [...valuesOf('phase', filter.phase, ALL_PHASES), ...valuesOf('outcome', filter.outcome, OUTCOMES)];
  if (phases.length > 0) clauses.push(`${SA.phase.name} IN (${[...new Set(phases)].map(quoted).join(', ')})`);
  if (filter.tid !== undefined) {
    if (!tidSchema.safeParse(filter.tid).success)
      throw new InvalidInputError('invalid tid: tid must be 1 to 20 digits');
    clauses.push(`${SA.tid.name} = "${filter.tid}"`);
  }
  if (filter.startedAfter !== undefined) clauses.push(`StartTime >= "${timeOf('startedAfter', filter.startedAfter)}"`);
  if (filter.startedBefore !== undefined)
    clauses.push(`StartTime < "${timeOf('startedBefore', filter.startedBefore)}"`);
  if (filter.requestedBy !== undefined) {
    if (filter.requestedBy.length < 1 || filter.requestedBy.length > 200)
      throw new InvalidInputError('invalid requestedBy: 1 to 200 characters');
    clauses.push(`${SA.requester.name} = ${quoted(requesterDigest(filter.requestedBy))}`);
  }
  return clauses;
}

/** What `RefundRequester` holds: who started a refund, findable but not readable in visibility. */
export const requesterDigest = (requestedBy: string): string =>
  createHash('sha256').update(requestedBy).digest('base64url').slice(0, 22);

const OUTCOMES: readonly string[] = Object.values(RefundOutcome);
const quoted = (value: string) => `"${value}"`;

function valuesOf(name: string, given: string | readonly string[] | undefined, allowed: readonly string[]): string[] {
  const values = given === undefined ? [] : [given].flat().flatMap((value) => value.split(','));
  for (const value of values) {
    if (!allowed.includes(value))
      throw new InvalidInputError(`invalid ${name}: ${value.slice(0, 40)} (one of ${allowed.join(', ')})`);
  }
  return values;
}

function timeOf(name: string, given: string | Date): string {
  const time = typeof given === 'string' ? new Date(given) : given;
  if (Number.isNaN(time.getTime())) throw new InvalidInputError(`invalid ${name}: not an ISO 8601 time`);
  return time.toISOString();
}

/**
 * The runs of one workflow id (newest first) as the refund call counts them (earlier-runs.ts).
 * For each other run that may still have a call in flight, its attempt length and settle window
 * come from its input, decoded with the workers' data converter (a client's
 * `options.loadedDataConverter`); a history that cannot be read leaves them unknown (presumed the
 * longest). The id is `refund-<digits>` (the workflow refuses any other), so it needs no escaping.
 */
export function runsFromVisibility(
  service: Pick<
    temporal.api.workflowservice.v1.WorkflowService,
    'listWorkflowExecutions' | 'getWorkflowExecutionHistory'
  >,
  namespace: string,
  converter: LoadedDataConverter = defaultDataConverter,
): RunsOf {
  // A run's input never changes: each is read once, and a read that outlives its attempt's budget
  // still serves the next attempt (a refund reset many times has many runs to read).
  const known = new Map<string, Promise<Timings | undefined>>();
  function timingsOf(workflowId: string, runId: string): Promise<Timings | undefined> {
    let timings = known.get(runId);
    if (!timings) {
      timings = readTimings(workflowId, runId);
      known.set(runId, timings);
      timings.catch(() => known.delete(runId));
      if (known.size > KNOWN_RUNS_KEPT) known.delete(known.keys().next().value!);
    }
    return timings;
  }
  async function readTimings(workflowId: string, runId: string): Promise<Timings | undefined> {
    const execution = { workflowId, runId };
    const { history } = await service.getWorkflowExecutionHistory({ namespace, execution, maximumPageSize: 1 });
    const payloads = history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads;
    const input = checkRefundInput(await decoded(converter, payloads?.[0]));
    if (!input.ok) return undefined;
    return { attemptMs: toMs(input.value.ekoCallTimeout), settleWindowMs: toMs(input.value.settleWindow) };
  }
  // Past this, even the longest presumption holds nothing back: the run's timings do not matter.
  const longest = LONGEST.attemptMs + LONGEST.settleWindowMs;
  const matters = (run: EarlierRun, ownRunId: string) =>
    run.runId !== ownRunId && mayHaveCallInFlight(run) && (run.running || (run.closedAt ?? 0) + longest > Date.now());
  return async (workflowId, ownRunId) => {
    const query = `WorkflowId = '${workflowId}'`;
    const { executions } = await service.listWorkflowExecutions({ namespace, query, pageSize: 100 });
    const runs: EarlierRun[] = executions.map(summaryFromRaw).map(({ runId, status, phase, closedAt }) => ({
      runId,
      running: status === 'RUNNING',
      phase,
      closedAt: closedAt === undefined ? undefined : Date.parse(closedAt),
    }));
    const timed = async (run: EarlierRun) => ({
      ...run,
      timings: await timingsOf(workflowId, run.runId).catch(() => undefined),
    });
    return Promise.all(runs.map((run) => (matters(run, ownRunId) ? timed(run) : run)));
  };
}

/** Runs whose timings a worker keeps (about 100 bytes each). */
const KNOWN_RUNS_KEPT = 10_000;

const refundQuery = (clauses: string[]) => [`WorkflowType = "${WORKFLOW_TYPE}"`, ...clauses].join(' AND ');

type RawExecution = temporal.api.workflow.v1.IWorkflowExecutionInfo;

function summaryFromRaw(raw: RawExecution): RefundSummary {
  const fields = raw.searchAttributes?.indexedFields ?? {};
  const value = <T>(name: string): T | undefined => {
    const payload = fields[name];
    return payload ? defaultPayloadConverter.fromPayload<T>(payload) : undefined;
  };
  const keyword = value<string>;
  const phase = keyword(SA.phase.name);
  const status = statusName(raw.status);
  const otpDeadline = value<Date | string>(SA.otpDeadline.name);
  return {
    workflowId: raw.execution?.workflowId ?? '',
    runId: raw.execution?.runId ?? '',
    tid: keyword(SA.tid.name),
    phase,
    outcome:
      status === 'COMPLETED' && phase !== undefined && OUTCOMES.includes(phase) ? (phase as RefundOutcome) : undefined,
    status,
    amount: keyword(SA.amount.name),
    otpDeadline: otpDeadline === undefined ? undefined : new Date(otpDeadline).toISOString(),
    otpAttemptsLeft: value<number>(SA.otpAttemptsLeft.name),
    lastEkoMessage: keyword(SA.ekoMessage.name),
    startedAt: isoTime(raw.startTime) ?? '',
    closedAt: isoTime(raw.closeTime),
  };
}

/** Who started the refund, from its memo (encrypted like any payload); unknown when it cannot be read. */
async function requesterOf(converter: LoadedDataConverter, raw: RawExecution): Promise<string | undefined> {
  const requestedBy = await decodePayload(converter, raw.memo?.fields?.requestedBy);
  return typeof requestedBy === 'string' ? requestedBy : undefined;
}

/** A payload as the workers wrote it (codecs undone); undefined when absent or unreadable (no key). */
export function decodePayload(
  converter: LoadedDataConverter,
  payload: temporal.api.common.v1.IPayload | null | undefined,
): Promise<unknown> {
  return decoded(converter, payload).catch(() => undefined);
}

/** decodePayload, failing when the payload cannot be read: the codecs undone, the last one first. */
async function decoded(
  converter: LoadedDataConverter,
  payload: temporal.api.common.v1.IPayload | null | undefined,
): Promise<unknown> {
  for (const codec of [...converter.payloadCodecs].reverse()) if (payload) [payload] = await codec.decode([payload]);
  return payload ? converter.payloadConverter.fromPayload(payload) : undefined;
}

/** RUNNING, COMPLETED, TERMINATED... as the SDK's WorkflowExecutionInfo names them. */
function statusName(status: temporal.api.enums.v1.WorkflowExecutionStatus | null | undefined): string {
  const name = WorkflowExecutionStatus[status ?? 0] ?? 'UNSPECIFIED';
  return name.replace('WORKFLOW_EXECUTION_STATUS_', '').replace(/^CANCELED$/, 'CANCELLED');
}

/** A Temporal timestamp as ISO 8601. */
export function isoTime(ts: { seconds?: unknown; nanos?: number | null } | null | undefined): string | undefined {
  if (!ts || ts.seconds == null) return undefined;
  return new Date(Number(ts.seconds) * 1000 + Math.floor((ts.nanos ?? 0) / 1e6)).toISOString();
}
