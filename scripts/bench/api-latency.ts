// The refund API's cost on submitOtp: p50/p99 of the update through the HTTP API against the same
// update through RefundClient, in one run, on the same worker and simulator (alternating, so both
// see the same load). `measureApiLatency` is for the benchmark; run alone it starts the tests' stack:
//   npx ts-node --transpile-only scripts/bench/api-latency.ts [--refunds 100]
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { buildApi } from '../../src/api/server';
import type { RefundClient } from '../../src/client';
import { RefundPhase } from '../../src/contract';
import { createLogger } from '../../src/logging';
import { type RefundStack, startRefundStack } from '../../test/helpers/refund-stack';

export interface Latency {
  p50: number;
  p99: number;
  /** Every sample, in ms. */
  samples: number[];
}

export interface ApiLatencyResult {
  refundsPerPath: number;
  direct: Latency;
  api: Latency;
}

/** Nearest-rank percentile (p in 0..100). */
function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(Math.ceil((p / 100) * sorted.length), 1) - 1] ?? Number.NaN;
}

const latency = (samples: number[]): Latency => ({
  p50: percentile(samples, 50),
  p99: percentile(samples, 99),
  samples,
});

/**
 * Parks 2 × `refunds` refunds in AWAITING_OTP, then submits their OTPs one at a time, alternating
 * RefundClient.submitOtp and POST /v1/refunds/{tid}/otp (an API in this process, on a random port).
 */
export async function measureApiLatency(
  ctx: { refunds: RefundClient; sim: RefundStack['sim'] },
  refunds: number,
): Promise<ApiLatencyResult> {
  const key = randomBytes(24).toString('base64url');
  const app = await buildApi({
    refunds: ctx.refunds,
    keys: [{ name: 'bench', role: 'support', key }],
    logger: createLogger({ level: 'warn' }),
    otpLimitPerMinute: 1000,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  try {
    const tids = await parkRefunds(ctx, refunds * 2);
    const direct: number[] = [];
    const viaApi: number[] = [];
    for (const [index, tid] of tids.entries()) {
      const otp = ctx.sim.lastOtp(tid)!;
      const started = performance.now();
      if (index % 2 === 0) {
        const answer = await ctx.refunds.submitOtp(tid, { otp });
        if (answer.phase !== 'REFUNDED') throw new Error(`tid ${tid}: ${answer.phase} through RefundClient`);
        direct.push(performance.now() - started);
      } else {
        const response = await fetch(`${url}/v1/refunds/${tid}/otp`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ otp }),
        });
        const answer = (await response.json()) as { phase?: string };
        if (answer.phase !== 'REFUNDED')
          throw new Error(`tid ${tid}: ${response.status} ${JSON.stringify(answer)} through the API`);
        viaApi.push(performance.now() - started);
      }
    }
    return { refundsPerPath: refunds, direct: latency(direct), api: latency(viaApi) };
  } finally {
    await app.close();
  }
}

async function parkRefunds(ctx: { refunds: RefundClient; sim: RefundStack['sim'] }, count: number): Promise<string[]> {
  const prefix = Date.now() % 1_000_000;
  const tids = Array.from({ length: count }, (_, i) => `9${prefix}${String(i).padStart(5, '0')}`);
  for (const tid of tids) ctx.sim.seed({ tid, amount: '100.00', fee: '1.00' });
  await Promise.all(tids.map((tid) => ctx.refunds.start({ tid, pollInterval: '1s', maxPollInterval: '1s' })));
  const deadline = Date.now() + 120_000;
  for (const tid of tids) {
    while ((await ctx.refunds.getState(tid)).phase !== RefundPhase.AWAITING_OTP) {
      if (Date.now() > deadline) throw new Error(`tid ${tid} did not reach AWAITING_OTP`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return tids;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { refunds: { type: 'string', default: '100' } } });
  // The integration tests' stack: a Temporal dev server, the simulator and one worker, in this process.
  const stack = await startRefundStack({ ekoTimeoutMs: 10_000 });
  try {
    const result = await measureApiLatency(stack, Number(values.refunds));
    const line = ({ p50, p99, samples }: Latency) =>
      `p50 ${Math.round(p50)} ms   p99 ${Math.round(p99)} ms   max ${Math.round(Math.max(...samples))} ms`;
    console.log(`submitOtp, ${result.refundsPerPath} refunds per path, one at a time:`);
    console.log(`  RefundClient  ${line(result.direct)}`);
    console.log(`  HTTP API      ${line(result.api)}`);
    const summary = ({ p50, p99 }: Latency) => ({ p50: Math.round(p50), p99: Math.round(p99) });
    console.log(
      JSON.stringify({
        refundsPerPath: result.refundsPerPath,
        direct: summary(result.direct),
        api: summary(result.api),
      }),
    );
  } finally {
    await stack.stop();
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
