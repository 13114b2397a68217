// What the refund drivers and the operator share: the clients, the simulator, the run's refunds,
// its deadline and its tallies, and reading a refund's state while workers come and go.
import { type Client, isGrpcServiceError } from '@temporalio/client';
import type { RefundClient, RefundStatus } from '../../src/client';
import type { EkoSimulator, FaultInput } from '../../simulator';
import { setTimeout as sleep } from 'node:timers/promises';
import { within } from '../../src/timeout';
import type { FaultType } from './plans';
import type { ChaosRefund } from './refund';
import type { TemporalCli } from './temporal-cli';

export interface ChaosContext {
  refunds: RefundClient;
  /** The same Temporal client, for the `otp` signal by its public name, cancels and histories. */
  client: Client;
  /** The official `temporal` CLI, for what operators do by hand. */
  cli: TemporalCli;
  sim: EkoSimulator;
  /** Every refund of the run, in plan order (those not started yet too). */
  all: readonly ChaosRefund[];
  /** Epoch ms by which every refund must be terminal. */
  deadlineAt: number;
  tally: DriverTally;
  /** On the cluster: OTPs of plans that use the update go through an API replica's HTTP route instead. */
  otpViaApi?: (tid: string, otp: string) => Promise<void>;
}

export const newTally = () => ({
  otpByUpdate: 0,
  /** Of those, through the refund API (the cluster's replicas). */
  otpByApi: 0,
  otpBySignal: 0,
  /** By `temporal workflow signal --name otp`, as from the Web UI. */
  otpByHand: 0,
  /** OTPs handed over again after an error, while the refund still waited for that OTP. */
  otpRetries: 0,
  resends: 0,
  /** OTPs beyond the plan: the refund came back to AWAITING_OTP (a duplicate wrong OTP, say). */
  extraOtps: 0,
  /** OTP hand-overs started again because a reset left a new run waiting for the OTP. */
  afterReset: 0,
  /** Temporal cancel requests by the phase the refund was in just before (honoured before SUBMITTING). */
  cancelsByPhase: new Map<string, number>(),
  /** Faults handed to the simulator, by type (those that struck are counted at the end). */
  faultsInjected: new Map<FaultType, number>(),
  /** Errors the drivers tolerated (killed workers, refused updates...), by kind. */
  errors: new Map<string, number>(),
});
export type DriverTally = ReturnType<typeof newTally>;

/** Counts a tolerated error by what was tried and the error's kind (numbers stripped, to group them). */
export function noteError(ctx: ChaosContext, what: string, err: unknown): void {
  const key = `${what}: ${describe(err).replace(/\d+/g, 'N').slice(0, 140)}`;
  ctx.tally.errors.set(key, (ctx.tally.errors.get(key) ?? 0) + 1);
}

/** The error with the server's words: the SDK's errors carry them in their cause. */
function describe(err: unknown): string {
  const error = err instanceof Error ? err : new Error(String(err));
  const server = isGrpcServiceError(error.cause) ? `: ${error.cause.details}` : '';
  return `${error.name}: ${error.message}${server}`;
}

/** gRPC INVALID_ARGUMENT: the server or a worker refused the request itself, so asking again cannot help. */
const INVALID_ARGUMENT = 3;
const refusedForGood = (err: unknown) =>
  err instanceof Error && isGrpcServiceError(err.cause) && err.cause.code === INVALID_ARGUMENT;

export function injectFaults(ctx: ChaosContext, faults: readonly FaultInput[]): void {
  for (const fault of faults) {
    ctx.sim.injectFault(fault);
    ctx.tally.faultsInjected.set(fault.type, (ctx.tally.faultsInjected.get(fault.type) ?? 0) + 1);
  }
}

const READ_TIMEOUT_MS = 10_000;
const POLL_MS = 400;

/**
 * The refund's state (read from Temporal without a query), retried while Temporal does not answer;
 * fails at the run's deadline, or at once when the read is refused for good.
 */
export async function stateOf(ctx: ChaosContext, tid: string): Promise<RefundStatus> {
  for (;;) {
    try {
      return await within(ctx.refunds.getState(tid), READ_TIMEOUT_MS, 'state read');
    } catch (err) {
      noteError(ctx, 'state read', err);
      if (refusedForGood(err)) throw new Error(`the state of ${tid} cannot be read: ${describe(err)}`);
      if (Date.now() > ctx.deadlineAt) throw new Error(`no state for ${tid} before the deadline: ${err}`);
      await sleep(POLL_MS);
    }
  }
}

/** Polls the state until `done` accepts it; fails at the run's deadline. */
export async function waitForState(
  ctx: ChaosContext,
  tid: string,
  what: string,
  done: (state: RefundStatus) => boolean,
): Promise<RefundStatus> {
  return (await pollState(ctx, tid, done, ctx.deadlineAt)) ?? fail(`${tid}: no ${what} by the deadline`);
}

/** Whether the state comes to satisfy `done` within `patienceMs` (and the run's deadline). */
export async function comesTo(
  ctx: ChaosContext,
  tid: string,
  done: (state: RefundStatus) => boolean,
  patienceMs: number,
): Promise<boolean> {
  return (await pollState(ctx, tid, done, Math.min(ctx.deadlineAt, Date.now() + patienceMs))) !== undefined;
}

async function pollState(
  ctx: ChaosContext,
  tid: string,
  done: (state: RefundStatus) => boolean,
  until: number,
): Promise<RefundStatus | undefined> {
  for (;;) {
    const state = await stateOf(ctx, tid);
    if (done(state)) return state;
    if (Date.now() > until) return undefined;
    await sleep(POLL_MS);
  }
}

function fail(message: string): never {
  throw new Error(message);
}
