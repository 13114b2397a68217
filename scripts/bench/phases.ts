// The measurements, one function each. Every loop is bounded in count and in time.
import { setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import type { Client } from '@temporalio/client';
import type { RefundClient } from '../../src/client';
import { isOutcome, RefundOutcome, RefundPhase } from '../../src/contract';
import type { EkoSimulator, SmsMessage } from '../../simulator';
import { within } from '../../src/timeout';
import { pooled } from '../lib/pooled';
import { readHistory } from './history';
import type { emptyWorkflow } from './workflows';

export interface BenchContext {
  client: Client;
  refunds: RefundClient;
  sim: EkoSimulator;
  sms: SmsWatch;
  baselineTaskQueue: string;
  /** Short polling, so that a refund's life is seconds (see ../../BENCHMARKS.md). */
  pollInterval: string;
  maxPollInterval: string;
  /** Unique per run: tids and workflow ids never collide with an earlier phase. */
  nextTid(): string;
}

/** Resolves when the simulator "texts" the OTP of a tid: the refund has sent its OTP. */
export class SmsWatch {
  private readonly texted = new Set<string>();
  private readonly waiting = new Map<string, () => void>();

  readonly onSms = (sms: SmsMessage): void => {
    this.texted.add(sms.tid);
    this.waiting.get(sms.tid)?.();
    this.waiting.delete(sms.tid);
  };

  otpSent(tid: string, timeoutMs: number): Promise<void> {
    if (this.texted.has(tid)) return Promise.resolve();
    const sent = new Promise<void>((resolve) => this.waiting.set(tid, resolve));
    return within(sent, timeoutMs, `the OTP SMS of ${tid}`).finally(() => this.waiting.delete(tid));
  }
}

const elapsedSince = (start: number) => performance.now() - start;

// ---- 1. baseline ----

export interface BaselineResult {
  workflows: number;
  seconds: number;
  perSec: number;
}

/** Empty workflows, start → complete, `concurrency` in flight: the ceiling for any workflow here. */
export async function measureBaseline(ctx: BenchContext, count: number, concurrency: number): Promise<BaselineResult> {
  const runId = ctx.nextTid();
  const one = (i: number) =>
    ctx.client.workflow
      .execute<typeof emptyWorkflow>('emptyWorkflow', {
        taskQueue: ctx.baselineTaskQueue,
        workflowId: `bench-empty-${runId}-${i}`,
      })
      .then(() => undefined);
  const started = performance.now();
  await within(pooled(count, concurrency, one), 60_000 + count * 50, `${count} empty workflows`);
  const seconds = elapsedSince(started) / 1000;
  return { workflows: count, seconds, perSec: count / seconds };
}

// ---- 2. refund lifecycles ----

export interface LifecycleResult {
  refunds: number;
  seconds: number;
  perSec: number;
  startToOtpSentMs: number[];
  submitOtpMs: number[];
  startToTerminalMs: number[];
  ekoCallsPerRefund: number;
  /** State reads (describe: no worker involved) made while waiting for AWAITING_OTP. */
  stateReads: number;
  tids: string[];
}

/**
 * `count` refunds, `inFlight` at a time (all at once by default), each: start → OTP sent →
 * submitOtp (Eko answers pending) → polls → REFUNDED. The OTP is submitted once the refund's state
 * shows AWAITING_OTP, as support staff would.
 */
export async function measureLifecycles(
  ctx: BenchContext,
  count: number,
  options: {
    seed?: { refundPendingInquiries: number };
    timing?: { pollInterval: string; maxPollInterval: string };
    inFlight?: number;
  } = {},
): Promise<LifecycleResult> {
  const { seed = { refundPendingInquiries: 1 }, timing = ctx, inFlight = count } = options;
  const tids = Array.from({ length: count }, () => ctx.nextTid());
  for (const tid of tids) ctx.sim.seed({ tid, refundMode: 'pending', ...seed });
  const result: LifecycleResult = {
    refunds: count,
    seconds: 0,
    perSec: 0,
    startToOtpSentMs: [],
    submitOtpMs: [],
    startToTerminalMs: [],
    ekoCallsPerRefund: 0,
    stateReads: 0,
    tids,
  };
  const deadlineMs = 120_000 + count * 100;

  const awaitingOtp = async (tid: string) => {
    for (let attempt = 1; attempt <= 1_000; attempt += 1) {
      result.stateReads += 1;
      const { phase } = await ctx.refunds.getState(tid);
      if (phase === RefundPhase.AWAITING_OTP) return;
      if (isOutcome(phase)) throw new Error(`refund ${tid} ended ${phase} before the OTP`);
      await sleep(25);
    }
    throw new Error(`refund ${tid} never reached AWAITING_OTP`);
  };

  const lifecycle = async (i: number) => {
    const tid = tids[i];
    const started = performance.now();
    await ctx.refunds.start({ tid, pollInterval: timing.pollInterval, maxPollInterval: timing.maxPollInterval });
    await ctx.sms.otpSent(tid, deadlineMs);
    result.startToOtpSentMs.push(elapsedSince(started));
    const otp = ctx.sim.lastOtp(tid);
    if (!otp) throw new Error(`no OTP texted for ${tid}`);
    await awaitingOtp(tid);
    const submitted = performance.now();
    const answer = await ctx.refunds.submitOtp(tid, { otp });
    result.submitOtpMs.push(elapsedSince(submitted));
    if (answer.phase !== RefundPhase.PENDING) throw new Error(`submitOtp for ${tid} answered ${answer.phase}`);
    const outcome = await ctx.refunds.result(tid);
    result.startToTerminalMs.push(elapsedSince(started));
    if (outcome.outcome !== RefundOutcome.REFUNDED) throw new Error(`refund ${tid} ended ${outcome.outcome}`);
  };

  const started = performance.now();
  await within(pooled(count, inFlight, lifecycle), deadlineMs, `${count} refund lifecycles`);
  result.seconds = elapsedSince(started) / 1000;
  result.perSec = count / result.seconds;

  let calls = 0;
  for (const tid of tids) {
    const tx = ctx.sim.transaction(tid);
    if (tx?.refundCount !== 1) throw new Error(`tid ${tid} was refunded ${tx?.refundCount ?? 0} times, not once`);
    calls += tx.calls.otp + tx.calls.refund + tx.calls.inquiry;
  }
  result.ekoCallsPerRefund = calls / count;
  return result;
}

// ---- 3. history ----

export interface HistoryResult {
  polls: number;
  /** Events per refund, one entry per refund measured. */
  events: number[];
  /** Eko Transaction Inquiries per refund: CHECKING + the polls + the one that settles. */
  inquiries: number[];
  /** The event types of the refund with the most events. */
  types: string[];
  /** Per refund: from scheduling the polling activity to the start of its last attempt. */
  pollingMs: number[];
}

/** Refunds that poll `polls` times before settling; their histories, read from the server. */
export async function measureHistory(ctx: BenchContext, polls: number, refunds: number): Promise<HistoryResult> {
  // The backoff stays at its first interval, so many polls take little time.
  const lifecycles = await measureLifecycles(ctx, refunds, {
    seed: { refundPendingInquiries: polls },
    timing: { pollInterval: ctx.pollInterval, maxPollInterval: ctx.pollInterval },
  });
  const result: HistoryResult = { polls, events: [], inquiries: [], types: [], pollingMs: [] };
  for (const tid of lifecycles.tids) {
    const history = await readHistory(ctx.client, tid);
    result.events.push(history.count);
    result.inquiries.push(ctx.sim.transaction(tid)?.calls.inquiry ?? 0);
    if (history.count > result.types.length) result.types = history.types;
    result.pollingMs.push(Math.max(...history.spans.activityWait));
  }
  return result;
}

// ---- 4. parked refunds ----

/** The worker's memory with this many refunds parked. */
export interface ParkedStep {
  parked: number;
  rssMb: number;
  peakRssMb: number;
}

export interface ParkedResult {
  parked: number;
  seconds: number;
  perSec: number;
  tids: string[];
}

/**
 * Starts `count` refunds and leaves them waiting for the OTP; visibility confirms the phase of
 * these and of the `alreadyParked` ones before them.
 */
export async function parkRefunds(
  ctx: BenchContext,
  count: number,
  concurrency: number,
  alreadyParked = 0,
): Promise<ParkedResult> {
  const tids = Array.from({ length: count }, () => ctx.nextTid());
  for (const tid of tids) ctx.sim.seed({ tid });
  const deadlineMs = 120_000 + count * 100;
  const started = performance.now();
  const park = async (i: number) => {
    await ctx.refunds.start({ tid: tids[i], pollInterval: ctx.pollInterval, maxPollInterval: ctx.maxPollInterval });
    await ctx.sms.otpSent(tids[i], deadlineMs);
  };
  await within(pooled(count, concurrency, park), deadlineMs, `parking ${count} refunds`);
  const query = `WorkflowType = "refundWorkflow" AND RefundPhase = "${RefundPhase.AWAITING_OTP}"`;
  for (let attempt = 0; ; attempt += 1) {
    const { count: waiting } = await ctx.client.workflow.count(query);
    if (waiting >= alreadyParked + count) break;
    if (attempt >= 300) {
      throw new Error(`only ${waiting} of ${alreadyParked + count} parked refunds reached AWAITING_OTP`);
    }
    await sleep(200);
  }
  const seconds = elapsedSince(started) / 1000;
  return { parked: count, seconds, perSec: count / seconds, tids };
}

/** submitOtp on refunds parked a while ago (maybe evicted from the worker's cache): the replay cost. */
export async function submitToParked(
  ctx: BenchContext,
  tids: readonly string[],
  concurrency: number,
): Promise<number[]> {
  const latencies: number[] = [];
  const submit = async (i: number) => {
    const otp = ctx.sim.lastOtp(tids[i]);
    if (!otp) throw new Error(`no OTP texted for ${tids[i]}`);
    const started = performance.now();
    const answer = await ctx.refunds.submitOtp(tids[i], { otp });
    latencies.push(elapsedSince(started));
    if (answer.phase !== RefundOutcome.REFUNDED) throw new Error(`submitOtp for ${tids[i]} answered ${answer.phase}`);
  };
  await within(pooled(tids.length, concurrency, submit), 60_000 + tids.length * 200, 'submitOtp to parked refunds');
  return latencies;
}
