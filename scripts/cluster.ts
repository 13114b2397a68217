// `npm run cluster`: the production topology on this machine, without Docker (scripts/cluster/):
// PostgreSQL, Temporal Server built from go.temporal.io/server, two refund workers, two API
// replicas, the codec server, Redis and Prometheus, every refund process from the production build
// with NODE_ENV=production. Ctrl-C stops it all; the data stays in .data/cluster/.
//
// `npm run cluster -- --chaos [--refunds N ...]`: the chaos run (scripts/chaos.ts) on that topology,
// with the platform's faults added (scripts/cluster/faults.ts); the same verdict, and every platform
// fault must strike. Exit codes as the chaos run's.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Command } from 'commander';
import { printSms, seedDemo } from '../simulator/demo';
import { startWebhookReceiver } from '../tools/webhook-receiver';
import { type Resources, runMain } from '../tools/resources';
import { type ChaosFlags, chaosProgram, optionsFrom } from './chaos/options';
import { RECOVERY_MS } from './chaos/plans';
import { seededRandom } from './chaos/random';
import { runChaos } from './chaos/run';
import { chaosWorkerEnv, WEBHOOK_REFUSALS } from './chaos/stack';
import { temporalCli } from './chaos/temporal-cli';
import { parseFlags } from './lib/args';
import { SmsWatch } from './bench/phases';
import { platformFaults } from './cluster/faults';
import { measureScale } from './cluster/scale';
import { simulatorCertificate } from './cluster/secrets';
import { CLUSTER_DIR, startCluster } from './cluster/topology';

const EXIT_NOT_RUN = 2;
const PLATFORM_ROUND_MS = 270_000;
const log = (line: string) => console.error(line);

function clusterProgram(): Command {
  return chaosProgram('npm run cluster --')
    .description(
      'the production topology on this machine (PostgreSQL, Temporal Server, refund workers, API replicas, ' +
        'codec server, Prometheus; at most 4 workers); with --chaos, the chaos run on it, with the platform faults ' +
        'added. Its logs stay in .data/cluster/logs/ (--keep-logs changes nothing here)',
    )
    .option(
      '--chaos',
      'run the chaos run on the cluster (the other options are its; the deadline at least 420 s, for a round of ' +
        'the platform faults), then stop',
    )
    .option(
      '--scale',
      'measure refunds/s on the cluster: --refunds lifecycles, --concurrency at a time, --workers workers; then stop',
    );
}

async function main(resources: Resources): Promise<number> {
  const flags = parseFlags<ChaosFlags & { chaos?: true; scale?: true }>(clusterProgram(), process.argv.slice(2));
  if (!flags) return 0; // --help
  const options = optionsFrom(flags);
  if (flags.scale) {
    const sms = new SmsWatch();
    const namespace = `scale-${Date.now().toString(36)}`;
    const cluster = await startCluster({ workers: options.workers, namespace, log, onSms: sms.onSms }, resources);
    await measureScale(cluster, sms, options);
    return 0;
  }
  if (!flags.chaos) {
    const cluster = await startCluster(
      { workers: options.workers, namespace: 'default', log, onSms: printSms },
      resources,
    );
    seedDemo(cluster.sim);
    console.log(`${cluster.where}
  Demo refund-pending tids at the simulator: 1000000001, 1000000002, 1000000003 (their OTP SMS print here)

Press Ctrl-C to stop (the data stays in .data/cluster/).`);
    await new Promise(() => undefined); // until Ctrl-C
    return 0;
  }

  // A round of the platform's faults takes about 4 minutes (a minute frozen, 30 s without the
  // database...) and ends before the operator stops, a recovery before the deadline.
  if (flags.deadline === undefined) options.deadlineMs = Math.max(options.deadlineMs, PLATFORM_ROUND_MS + RECOVERY_MS);
  log(`Chaos run on the cluster, seed ${options.seed}…`);
  // Production workers deliver webhooks to https:// only: the receiver shows the simulator's certificate.
  const webhookSecret = randomBytes(32).toString('hex');
  const tls = simulatorCertificate(path.join(CLUSTER_DIR, 'tls'));
  const receiver = await startWebhookReceiver(webhookSecret, { refuseEach: WEBHOOK_REFUSALS, tls });
  resources.add('the webhook receiver', () => receiver.close());
  // A namespace of its own: the refunds of earlier runs (same tids, same workflow ids) stay apart.
  const namespace = `chaos-${options.seed}-${Date.now().toString(36)}`;
  const cluster = await startCluster(
    {
      workers: options.workers,
      namespace,
      links: true,
      log,
      workerEnv: chaosWorkerEnv(receiver.url, webhookSecret),
      // The plans send wrong OTPs on purpose, many a minute: the desk's limits would refuse them.
      apiEnv: {
        API_OTP_LIMIT_PER_MINUTE: '1000',
        API_WRONG_OTPS_PER_MINUTE: '1000',
        API_WRONG_OTPS_PER_DAY: '100000',
      },
    },
    resources,
  );
  log(cluster.where);
  const stack = {
    sim: cluster.sim,
    pool: cluster.pool,
    client: cluster.client,
    refunds: cluster.refunds,
    cli: temporalCli(cluster.temporal.address, namespace),
    taskQueue: cluster.refunds.taskQueue,
    workflowCode: {
      bundlePath: path.join(__dirname, '..', 'dist', 'workflow-bundle.js'),
      dataConverter: cluster.dataConverter,
    },
    encryptionKeys: cluster.secrets.encryptionKeys,
    receiver,
  };
  const platform = platformFaults(cluster, seededRandom(options.seed ^ 0x2545f491), cluster.secrets.apiKeys.support);
  return runChaos(stack, options, resources, platform);
}

// Ctrl-C is how the cluster ends (0); it interrupts a chaos run or a measure (130, as npm run chaos).
const measuring = process.argv.includes('--chaos') || process.argv.includes('--scale');
runMain(main, { failed: EXIT_NOT_RUN, stopped: measuring ? 130 : 0 });
