import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { freePort, stopChild } from '../../tools/children';
import { type DevServerProcess, startDevServerProcess } from '../../tools/temporal-server';
import { RefundClient } from '../../src/client';
import { RefundOutcome, RefundPhase } from '../../src/contract';
import { TxStatus } from '../../src/eko/answers';
import { type EkoSimulator, startSimulator } from '../../simulator';
import { buildProduction } from '../helpers/build';
import { FAST, newTid } from '../helpers/refund-stack';
import { waitFor } from '../helpers/wait';
import { startWorkerProcess, type WorkerProcess } from '../../tools/worker-process';

/**
 * The alert rules of deploy/prometheus/alerts.yml on a real Prometheus (Debian's `prometheus`
 * package; CI installs it) scraping a real compiled worker every second, after refunds with each
 * outcome the rules watch: every rule loads and evaluates, the series they read exist, and the
 * alerts those refunds should raise do fire. promtool's unit tests (alerts.test.yml) cover the
 * thresholds; this covers the metric names and labels the worker really serves.
 */
const ALERTS_FILE = path.resolve(__dirname, '../../deploy/prometheus/alerts.yml');
const RULE_NAMES = [...fs.readFileSync(ALERTS_FILE, 'utf8').matchAll(/^\s+- alert: (\w+)$/gm)].map((m) => m[1]);
const PROMETHEUS = findOnPath('prometheus');
const TASK_QUEUE = 'prometheus-alerts';

if (!PROMETHEUS) {
  console.warn(
    'SKIPPED test/integration/prometheus-alerts.test.ts: no prometheus binary on PATH. ' +
      "Install Debian's prometheus package (apt-get install prometheus), as .ci/run does.",
  );
}
const describeWithPrometheus = PROMETHEUS ? describe : describe.skip;

describeWithPrometheus('the alert rules on a real Prometheus scraping a real worker', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'refund-prometheus-'));
  let server: DevServerProcess;
  let sim: EkoSimulator;
  let worker: WorkerProcess;
  let prometheus: ChildProcess;
  let prometheusUrl: string;
  let connection: Connection;
  let refunds: RefundClient;

  beforeAll(async () => {
    await buildProduction();
    server = await startDevServerProcess();
    sim = await startSimulator();
    const metricsPort = await freePort();
    worker = startWorkerProcess(
      {
        TEMPORAL_ADDRESS: server.address,
        REFUND_TASK_QUEUE: TASK_QUEUE,
        EKO_BASE_URL: sim.baseUrl,
        METRICS_PORT: String(metricsPort),
      },
      { entry: 'compiled' },
    );
    await worker.ready();
    prometheusUrl = `http://127.0.0.1:${await freePort()}`;
    prometheus = startPrometheus(dataDir, metricsPort, new URL(prometheusUrl).host);
    await waitFor(
      'Prometheus ready',
      () => fetch(`${prometheusUrl}/-/ready`),
      (r) => r.ok,
      { timeoutMs: 30_000 },
    );
    connection = await Connection.connect({ address: server.address });
    refunds = new RefundClient(new Client({ connection }), TASK_QUEUE);
    await runRefundsWithEveryWatchedOutcome();
  }, 300_000);

  afterAll(async () => {
    if (prometheus) await stopChild(prometheus);
    if (worker) await stopChild(worker.child);
    await connection?.close();
    await sim?.close();
    await server?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  /** REFUNDED (after two Eko 500s and a wrong OTP), FAILED, NEEDS_REVIEW and OTP_EXPIRED, each to its outcome. */
  async function runRefundsWithEveryWatchedOutcome(): Promise<void> {
    const refunded = newTid();
    sim.seed({ tid: refunded, refundMode: 'pending', refundPendingInquiries: 1 });
    sim.injectFault({ type: 'http500', endpoint: 'inquiry', tid: refunded, times: 2 });
    const failed = newTid();
    sim.seed({ tid: failed, refundMode: 'pending', refundPendingInquiries: 1, refundSettlesTo: TxStatus.Fail });
    // Success after a refund call contradicts the refund: a person must look.
    const review = newTid();
    sim.seed({ tid: review, refundMode: 'pending', refundPendingInquiries: 1, refundSettlesTo: TxStatus.Success });
    const expired = newTid();
    sim.seed({ tid: expired });

    await refunds.start({ tid: expired, ...FAST, otpTimeout: '1s' });
    for (const tid of [refunded, failed, review]) {
      await refunds.start({ tid, ...FAST });
      await waitFor(
        `${tid} in AWAITING_OTP`,
        () => refunds.getState(tid),
        (s) => s.phase === RefundPhase.AWAITING_OTP,
      );
      const otp = sim.lastOtp(tid)!;
      // One wrong OTP first (WrongOtpShareHigh reads them), then the right one.
      if (tid === refunded) await refunds.submitOtp(tid, { otp: otp === '000000' ? '111111' : '000000' });
      await refunds.submitOtp(tid, { otp });
    }
    const outcomes = await Promise.all([refunded, failed, review, expired].map((tid) => refunds.result(tid)));
    expect(outcomes.map((result) => result.outcome)).toEqual([
      RefundOutcome.REFUNDED,
      RefundOutcome.FAILED,
      RefundOutcome.NEEDS_REVIEW,
      RefundOutcome.OTP_EXPIRED,
    ]);
  }

  const query = async (promql: string): Promise<PromSample[]> => {
    const response = await fetch(`${prometheusUrl}/api/v1/query?${new URLSearchParams({ query: promql })}`);
    const body = (await response.json()) as { status: string; error?: string; data: { result: PromSample[] } };
    if (body.status !== 'success') throw new Error(`${promql}: ${body.error}`);
    return body.data.result;
  };
  const rules = async (): Promise<PromRule[]> => {
    const response = await fetch(`${prometheusUrl}/api/v1/rules?type=alert`);
    const body = (await response.json()) as { data: { groups: { rules: PromRule[] }[] } };
    return body.data.groups.flatMap((group) => group.rules);
  };
  const expressionOf = async (name: string) => (await rules()).find((rule) => rule.name === name)!.query;

  test('Prometheus loads every rule of alerts.yml and evaluates each without error', async () => {
    expect(RULE_NAMES).toEqual(expect.arrayContaining(['RefundNeedsReview', 'RefundWorkersAllDown']));
    const evaluated = await waitFor(
      'every rule evaluated',
      rules,
      (loaded) => loaded.length === RULE_NAMES.length && loaded.every((rule) => rule.health !== 'unknown'),
    );
    expect(evaluated.map((rule) => rule.name).sort()).toEqual([...RULE_NAMES].sort());
    const broken = evaluated.filter((rule) => rule.health !== 'ok').map((rule) => `${rule.name}: ${rule.lastError}`);
    expect(broken).toEqual([]);
    // And each expression, as Prometheus read it from the file, through the query API.
    const answered = await Promise.all(evaluated.map((rule) => query(rule.query).then(() => rule.name)));
    expect(answered).toEqual(evaluated.map((rule) => rule.name));
  });

  test.each([
    // The refund metrics, with the buckets the worker sets (src/metrics.ts).
    ['eko_refunds_completed{outcome="REFUNDED"}'],
    ['eko_refunds_completed{outcome="FAILED"}'],
    ['eko_refunds_completed{outcome="NEEDS_REVIEW"}'],
    ['eko_refunds_completed{outcome="OTP_EXPIRED"}'],
    ['eko_calls{endpoint="inquiry", outcome="retryable"}'],
    ['eko_calls{endpoint="refund", outcome="wrong_otp"}'],
    ['eko_call_latency_bucket{endpoint="refund", le="30000"}'],
    ['eko_refund_polls_bucket{purpose="settle", le="20"}'],
    ['eko_refund_duration_bucket{le="86400000"}'],
    ['eko_refund_temporal_ready == 1'], // the worker's probe of Temporal's database (src/health.ts)
    // The SDK's, which the progress and worker rules read.
    ['temporal_activity_execution_failed{activity_type="prepareRefund"}'], // the two 500s hit CHECKING's inquiry
    ['temporal_activity_schedule_to_start_latency_bucket'],
    ['temporal_workflow_task_schedule_to_start_latency_bucket'],
    ['temporal_long_request{operation="PollActivityTaskQueue"}'],
    ['temporal_long_request{operation="PollWorkflowTaskQueue"}'],
    ['up == 1'],
  ])('a worker that ran refunds serves %s', async (selector) => {
    const samples = await waitFor(
      selector,
      () => query(`${selector}`),
      (found) => found.length > 0,
    );
    expect(samples[0].metric).toMatchObject({ job: 'refund-worker' });
  });

  test.each([['RefundNeedsReview'], ['RefundFailed']])(
    '%s fires for the refund that ended so, the first since the worker started',
    async (name) => {
      const firing = await waitFor(
        `${name} firing`,
        async () => ((await (await fetch(`${prometheusUrl}/api/v1/alerts`)).json()) as PromAlerts).data.alerts,
        (alerts) => alerts.some((alert) => alert.labels.alertname === name && alert.state === 'firing'),
      );
      expect(firing.find((alert) => alert.labels.alertname === name)!.labels).toMatchObject({
        taskQueue: TASK_QUEUE,
        severity: 'warning',
      });
    },
  );

  test('RefundWorkerPollsFailing and TemporalDatabaseUnreachable, then RefundWorkerDown and RefundWorkersAllDown, see the outages', async () => {
    // Temporal away: the worker's polls fail, and its probe gets no answer (every 15 s).
    await server.stop();
    await expressionsMatch(['RefundWorkerPollsFailing', 'TemporalDatabaseUnreachable'], 60_000);

    // The worker gone: its target is down, and no worker is up.
    await stopChild(worker.child);
    await expressionsMatch(['RefundWorkerDown', 'RefundWorkersAllDown']);
  });

  /** Waits until each rule's expression matches a series (its `for:` is the promtool tests' concern). */
  async function expressionsMatch(names: string[], timeoutMs?: number): Promise<void> {
    for (const name of names) {
      const expression = await expressionOf(name);
      await waitFor(
        name,
        () => query(expression),
        (found) => found.length > 0,
        { timeoutMs },
      );
    }
  }
});

interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}
interface PromRule {
  name: string;
  query: string;
  health: 'ok' | 'err' | 'unknown';
  lastError?: string;
}
interface PromAlerts {
  data: { alerts: { labels: Record<string, string>; state: string }[] };
}

/** Prometheus scraping the worker's /metrics every second and evaluating alerts.yml as often. */
function startPrometheus(dataDir: string, metricsPort: number, listen: string): ChildProcess {
  const config = path.join(dataDir, 'prometheus.yml');
  fs.writeFileSync(
    config,
    JSON.stringify({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: [ALERTS_FILE],
      scrape_configs: [{ job_name: 'refund-worker', static_configs: [{ targets: [`127.0.0.1:${metricsPort}`] }] }],
    }),
  );
  const log = fs.openSync(path.join(dataDir, 'prometheus.log'), 'a');
  const child = spawn(
    PROMETHEUS!,
    [`--config.file=${config}`, `--storage.tsdb.path=${path.join(dataDir, 'tsdb')}`, `--web.listen-address=${listen}`],
    { stdio: ['ignore', log, log] },
  );
  fs.closeSync(log);
  return child;
}

function findOnPath(binary: string): string | undefined {
  return (process.env.PATH ?? '')
    .split(path.delimiter)
    .map((dir) => path.join(dir, binary))
    .find((candidate) => {
      try {
        fs.accessSync(candidate, fs.constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
}
