// The refund API's cost on submitOtp: p50/p99 of the update through the HTTP API against the same
// update through RefundClient, in one run, on the same worker and simulator (alternating, so both
// see the same load). `measureApiLatency` is for the benchmark; run alone it starts its own stack:
//   npx ts-node --transpile-only scripts/bench/api-latency.ts [--refunds 100]
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { buildApi } from '../../src/api/server';
import { RefundClient } from '../../src/client';
import { RefundPhase } from '../../src/contract';
import { createEkoClient } from '../../src/eko/client';
import { UAT } from '../../src/eko/uat';
import { createLogger } from '../../src/logging';
import { type EkoSimulator, startSimulator } from '../../src/simulator/simulator';
import { createRefundWorker } from '../../src/worker';
import { sleep, startDevServer } from '../lib/processes';
import { latencySummary, percentile } from './report';

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
  ctx: { refunds: RefundClient; sim: EkoSimulator },
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

async function parkRefunds(ctx: { refunds: RefundClient; sim: EkoSimulator }, count: number): Promise<string[]> {
  const prefix = Date.now() % 1_000_000;
  const tids = Array.from({ length: count }, (_, i) => `9${prefix}${String(i).padStart(5, '0')}`);
  for (const tid of tids) ctx.sim.seed({ tid, amount: '100.00', fee: '1.00' });
  await Promise.all(tids.map((tid) => ctx.refunds.start({ tid, pollInterval: '1s', maxPollInterval: '1s' })));
  const deadline = Date.now() + 120_000;
  for (const tid of tids) {
    while ((await ctx.refunds.getState(tid)).phase !== RefundPhase.AWAITING_OTP) {
      if (Date.now() > deadline) throw new Error(`tid ${tid} did not reach AWAITING_OTP`);
      await sleep(50);
    }
  }
  return tids;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { refunds: { type: 'string', default: '100' } } });
  const refunds = Number(values.refunds);
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const server = await startDevServer();
  const sim = await startSimulator();
  const native = await NativeConnection.connect({ address: server.address });
  const connection = await Connection.connect({ address: server.address });
  const worker = await createRefundWorker({
    connection: native,
    namespace: 'default',
    taskQueue: 'api-latency',
    eko: createEkoClient({
      baseUrl: sim.baseUrl,
      developerKey: UAT.developerKey,
      accessKey: UAT.accessKey,
      timeoutMs: 10_000,
    }),
    defaults: { initiatorId: UAT.initiatorId, userCode: UAT.userCode },
  });
  const running = worker.run();
  try {
    const result = await measureApiLatency(
      { refunds: new RefundClient(new Client({ connection }), 'api-latency'), sim },
      refunds,
    );
    console.log(`submitOtp, ${result.refundsPerPath} refunds per path, one at a time:`);
    console.log(`  RefundClient  ${latencySummary(result.direct.samples)}`);
    console.log(`  HTTP API      ${latencySummary(result.api.samples)}`);
    console.log(
      JSON.stringify({
        refundsPerPath: refunds,
        direct: { p50: result.direct.p50, p99: result.direct.p99 },
        api: { p50: result.api.p50, p99: result.api.p99 },
      }),
    );
  } finally {
    worker.shutdown();
    await running;
    await connection.close();
    await native.close();
    await sim.close();
    await server.stop();
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
