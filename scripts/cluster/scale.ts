// `npm run cluster -- --scale`: refund lifecycles on the cluster (start, OTP texted, OTP submitted,
// refunded), `concurrency` at a time, after a warm-up, with the CPU each part of the topology used:
// the figures of BENCHMARKS.md's "The production topology". The same lifecycle as the benchmark's
// (scripts/bench/phases.ts).
import { measureLifecycles, type SmsWatch } from '../bench/phases';
import { cpuMeter } from '../bench/proc';
import { percentile, table } from '../lib/report';
import type { Cluster } from './topology';

const WARM_UP = 20;

export async function measureScale(
  cluster: Cluster,
  sms: SmsWatch,
  { refunds, concurrency, workers }: { refunds: number; concurrency: number; workers: number },
): Promise<void> {
  let n = 0;
  const prefix = `8${String(Date.now()).slice(-8)}`;
  const ctx = {
    client: cluster.client,
    refunds: cluster.refunds,
    sim: cluster.sim,
    sms,
    baselineTaskQueue: 'unused',
    pollInterval: '1s',
    maxPollInterval: '1s',
    nextTid: () => `${prefix}${String((n += 1)).padStart(6, '0')}`,
  };
  console.error(`Warm-up: ${WARM_UP} refunds…`);
  await measureLifecycles(ctx, WARM_UP, { inFlight: Math.min(WARM_UP, concurrency) });
  const workerPids = Object.fromEntries(cluster.pool.pids.map((pid, i) => [`worker ${i + 1}`, pid]));
  const meter = cpuMeter(
    { 'Temporal server': cluster.temporal.pid!, ...workerPids, 'simulator and drivers': process.pid },
    { PostgreSQL: cluster.postgres.pid! },
  );
  console.error(`Measuring: ${refunds} refunds, ${concurrency} at a time…`);
  const result = await measureLifecycles(ctx, refunds, { inFlight: concurrency });
  const { wallSeconds, cpu } = meter();
  const busy = Object.values(cpu).reduce((a, b) => a + b, 0);
  const ms = (values: number[], p: number) => `${Math.round(percentile(values, p))} ms`;
  console.log(
    table([
      [`Cluster scale: ${workers} worker(s), ${refunds} refunds, ${concurrency} in flight`],
      ['refunds/s', result.perSec.toFixed(1)],
      ['start to refunded', `p50 ${ms(result.startToTerminalMs, 50)}, p95 ${ms(result.startToTerminalMs, 95)}`],
      ['submitOtp (update) answered', `p50 ${ms(result.submitOtpMs, 50)}, p95 ${ms(result.submitOtpMs, 95)}`],
      ['Eko calls per refund', result.ekoCallsPerRefund.toFixed(1)],
      ['wall time', `${wallSeconds.toFixed(1)} s`],
      ...Object.entries(cpu).map(([name, seconds]): [string, string] => [
        `CPU: ${name}`,
        `${seconds.toFixed(1)} s (${((seconds / wallSeconds) * 100).toFixed(0)} % of a core; ${((seconds / refunds) * 1000).toFixed(0)} ms per refund)`,
      ]),
      ['CPU: the machine, all of it', `${((busy / wallSeconds) * 100).toFixed(0)} % of one core (2 cores = 200 %)`],
    ]),
  );
  console.log(
    JSON.stringify({
      workers,
      refunds,
      concurrency,
      perSec: result.perSec,
      p50StartToRefundedMs: percentile(result.startToTerminalMs, 50),
      cpuSeconds: cpu,
      wallSeconds,
    }),
  );
}
