// What services see, measured: the events a refund's history holds with webhook subscribers, the
// CSV export of many refunds, and Eko's callback to AWAITING_OTP. See ../../BENCHMARKS.md.
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { defaultPayloadConverter } from '@temporalio/common';
import { buildApi } from '../../src/api/server';
import type { RefundClient } from '../../src/client';
import { createLogger } from '../../src/logging';
import { RefundPhase, SEARCH_ATTRIBUTES } from '../../src/contract';
import { TxStatus } from '../../src/eko/answers';
import { within } from '../../src/timeout';
import { pooled } from '../lib/pooled';
import type { BenchContext } from './phases';
import type { refundWorkflow } from './workflows';

/** The HTTP API in this process, as `npm run api` serves it, with Eko's callback on. */
export async function startBenchApi(refunds: RefundClient) {
  const key = randomBytes(24).toString('base64url');
  const token = randomBytes(24).toString('base64url');
  const api = await buildApi({
    refunds,
    keys: [{ name: 'bench', role: 'support', key }],
    logger: createLogger({ level: 'warn' }),
    ekoCallback: { token, allow: [], requestOtp: false },
  });
  await api.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}`;
  return { url, key, callbackUrl: `${url}/v1/eko/callback/${token}`, close: () => api.close() };
}

/**
 * `count` completed refunds for the export, started as the real ones are listed (workflow type,
 * id and search attributes) but run by a stand-in that returns a result at once, `concurrency`
 * at a time. Answers the time window they were started in.
 */
export async function seedCompletedRefunds(
  ctx: BenchContext,
  count: number,
  concurrency: number,
): Promise<{ after: string; before: string }> {
  const after = new Date().toISOString();
  const one = async () => {
    const tid = ctx.nextTid();
    await ctx.client.workflow.execute<typeof refundWorkflow>('refundWorkflow', {
      taskQueue: ctx.baselineTaskQueue,
      workflowId: `refund-${tid}`,
      args: [{ tid }],
      memo: { requestedBy: 'bench-service' },
      typedSearchAttributes: [
        { key: SEARCH_ATTRIBUTES.phase, value: 'REFUNDED' },
        { key: SEARCH_ATTRIBUTES.tid, value: tid },
        { key: SEARCH_ATTRIBUTES.amount, value: '5000.00' },
      ],
    });
  };
  await within(pooled(count, concurrency, one), 60_000 + count * 50, `${count} completed refunds`);
  return { after, before: new Date().toISOString() };
}

export interface ExportResult {
  rows: number;
  seconds: number;
}

/** GET /v1/refunds/export.csv of a start-time window, read to its end. */
export async function measureExport(
  apiUrl: string,
  key: string,
  window: { after: string; before: string },
): Promise<ExportResult> {
  const query = new URLSearchParams({ startedAfter: window.after, startedBefore: window.before });
  const started = performance.now();
  const response = await fetch(`${apiUrl}/v1/refunds/export.csv?${query}`, {
    headers: { authorization: `Bearer ${key}` },
  });
  if (response.status !== 200) throw new Error(`export answered ${response.status}: ${await response.text()}`);
  const text = await response.text();
  const seconds = (performance.now() - started) / 1000;
  return { rows: text.trimEnd().split('\r\n').length - 1, seconds };
}

/**
 * Eko's callback, as the simulator sends it when a transaction fails, to the refund waiting for
 * the OTP: from the moment the transaction turns refund pending to the history's upsert of
 * AWAITING_OTP (the server's time). `concurrency` transactions at a time.
 */
export async function measureCallbacks(ctx: BenchContext, count: number, concurrency: number): Promise<number[]> {
  const latencies: number[] = [];
  const one = async () => {
    const tid = ctx.nextTid();
    ctx.sim.seed({ tid, txStatus: TxStatus.Initiated, amount: '2500.00', fee: '25.00' });
    const failedAt = Date.now();
    ctx.sim.fail(tid);
    const waitingAt = await awaitingOtpAt(ctx, tid);
    latencies.push(waitingAt - failedAt);
  };
  await within(pooled(count, concurrency, one), 60_000 + count * 1_000, `${count} callbacks`);
  return latencies;
}

/** When the refund's history wrote AWAITING_OTP (ms since the epoch); polls until it has. */
async function awaitingOtpAt(ctx: BenchContext, tid: string): Promise<number> {
  const handle = ctx.client.workflow.getHandle(`refund-${tid}`);
  for (let attempt = 1; attempt <= 600; attempt += 1) {
    const history = await handle.fetchHistory().catch(() => undefined);
    for (const event of history?.events ?? []) {
      const fields = event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields;
      const phase = fields?.[SEARCH_ATTRIBUTES.phase.name];
      if (phase && defaultPayloadConverter.fromPayload(phase) === RefundPhase.AWAITING_OTP) {
        return Number(event.eventTime!.seconds) * 1000 + Math.floor((event.eventTime!.nanos ?? 0) / 1e6);
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`refund ${tid} did not reach AWAITING_OTP after Eko's callback`);
}
