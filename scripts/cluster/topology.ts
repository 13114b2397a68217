// The production topology on one machine, without Docker: what docker-compose.yml runs, from the
// same scripts and the same production build. Started in dependency order, released in reverse.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { RefundClient } from '../../src/client';
import { TASK_QUEUE } from '../../src/contract';
import { dataConverterFor, loadEncryptionConfig } from '../../src/codec';
import { type EkoSimulator, type SmsMessage, startSimulator } from '../../simulator';
import { listening, portInUse } from '../../tools/children';
import { type Resources, RunError } from '../../tools/resources';
import { WorkerPool } from '../chaos/workers';
import { Postgres } from './postgres';
import { apiKeysEnv, type ClusterSecrets, clusterSecrets, simulatorCertificate } from './secrets';
import { httpAnswers, installed, PORTS, prometheusConfig, Service, writeFile } from './services';
import { pinnedServerVersion, serverBuild, setUpNamespace, setUpSchema, TemporalServer } from './temporal-server';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const CLUSTER_DIR = path.join(REPO_ROOT, '.data', 'cluster');
const DB_USER = 'temporal';

export interface ClusterOptions {
  workers: number;
  namespace: string;
  /** Added to every worker's environment (a chaos run's webhook subscriber, a shorter Eko timeout). */
  workerEnv?: Record<string, string>;
  /** Added to every API replica's environment (a chaos run's higher OTP limits). */
  apiEnv?: Record<string, string>;
  /** Workers reach Temporal through links a chaos run can cut (scripts/chaos/link.ts). */
  links?: boolean;
  log: (line: string) => void;
  /** Each SMS the simulator "sends" (the customer's OTP). */
  onSms?: (sms: SmsMessage) => void;
}

export interface ApiReplica {
  name: string;
  url: string;
  service: Service;
}

export interface Cluster {
  postgres: Postgres;
  temporal: TemporalServer;
  sim: EkoSimulator;
  pool: WorkerPool;
  apis: ApiReplica[];
  client: Client;
  /** The payload codec of the cluster's key, as the workers use it. */
  dataConverter: DataConverter;
  refunds: RefundClient;
  secrets: ClusterSecrets;
  /** Where everything is, to print. */
  where: string;
}

export async function startCluster(options: ClusterOptions, resources: Resources): Promise<Cluster> {
  const { log, namespace } = options;
  const taskQueue = TASK_QUEUE;
  checkPrograms();
  await checkPortsFree(options.workers);
  const logDir = path.join(CLUSTER_DIR, 'logs');
  fs.mkdirSync(logDir, { recursive: true });
  const secrets = clusterSecrets(CLUSTER_DIR);

  // The build while PostgreSQL starts: the production build of the refund processes.
  const version = pinnedServerVersion();
  log('Building the refund worker, API and codec server (npm run build)…');
  const [build] = await Promise.all([serverBuild(version, log), buildProduction(logDir)]);

  const postgres = new Postgres({
    dataDir: path.join(CLUSTER_DIR, 'postgres'),
    port: PORTS.postgres,
    user: DB_USER,
    password: secrets.postgresPassword,
    logFile: path.join(logDir, 'postgres.log'),
  });
  log(`Starting PostgreSQL on ${postgres.address} (data in .data/cluster/postgres)…`);
  await postgres.start();
  resources.add('PostgreSQL', () => postgres.stop());
  const db = { host: '127.0.0.1', port: PORTS.postgres, user: DB_USER, password: secrets.postgresPassword };
  log('Temporal schema (deploy/temporal/setup-schema.sh)…');
  await setUpSchema(build, db);

  const temporal = new TemporalServer({
    build,
    db,
    port: PORTS.temporal,
    metricsPort: PORTS.temporalMetrics,
    dir: path.join(CLUSTER_DIR, 'temporal'),
    logFile: path.join(logDir, 'temporal.log'),
  });
  log(`Starting Temporal Server ${version} on ${temporal.address}…`);
  await temporal.start();
  resources.add('the Temporal server', () => temporal.stop());
  log(`Namespace ${namespace} and search attributes (deploy/temporal/setup-namespace.sh)…`);
  await setUpNamespace(temporal.address, namespace);

  const tls = simulatorCertificate(path.join(CLUSTER_DIR, 'tls'));
  const sim = await startSimulator({ ...secrets.eko, onSms: options.onSms }, PORTS.simulator, '127.0.0.1', tls);
  resources.add('the Eko simulator', () => sim.close());

  const temporalEnv = {
    NODE_ENV: 'production',
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_NAMESPACE: namespace,
    REFUND_TASK_QUEUE: taskQueue,
    REFUND_ENCRYPTION_KEYS: secrets.encryptionKeys,
    LOG_LEVEL: 'info',
  };
  const pool = new WorkerPool({
    size: options.workers,
    temporalAddress: temporal.address,
    env: {
      ...temporalEnv,
      EKO_BASE_URL: sim.baseUrl,
      EKO_DEVELOPER_KEY: secrets.eko.developerKey,
      EKO_ACCESS_KEY: secrets.eko.accessKey,
      EKO_INITIATOR_ID: secrets.eko.initiatorId,
      EKO_USER_CODE: secrets.eko.userCode,
      // The simulator's certificate is self-signed: trusted as a private CA would be.
      NODE_EXTRA_CA_CERTS: tls.certFile,
      WORKER_HOST: '127.0.0.1',
      // Below the pool's 5 s before it forces a stop (Ctrl-C).
      SHUTDOWN_GRACE_MS: '3000',
      ...options.workerEnv,
    },
    slotEnv: (slot) => ({
      METRICS_PORT: String(PORTS.workerMetrics[slot]),
      HEALTH_PORT: String(PORTS.workerHealth[slot]),
    }),
    entry: path.join(REPO_ROOT, 'dist', 'worker.js'),
    logDir,
    links: options.links ?? false,
  });
  log(`Starting ${options.workers} refund workers…`);
  pool.start();
  resources.add('the refund workers', () => pool.stop());

  const redis = await startRedis(logDir, resources);
  const apis = PORTS.api.map((port, i) => ({
    name: `API replica ${i + 1}`,
    url: `http://127.0.0.1:${port}`,
    service: new Service(
      `API replica ${i + 1}`,
      process.execPath,
      ['dist/api.js'],
      {
        ...temporalEnv,
        API_PORT: String(port),
        API_HOST: '127.0.0.1',
        REFUND_API_KEYS: apiKeysEnv(secrets),
        EKO_CALLBACK_TOKEN: secrets.ekoCallbackToken,
        ...(redis && { REDIS_URL: redis }),
        ...options.apiEnv,
      },
      path.join(logDir, `api-${i + 1}.log`),
      httpAnswers(`http://127.0.0.1:${port}/healthz`),
    ),
  }));
  const codec = new Service(
    'the codec server',
    process.execPath,
    ['dist/codec/main.js'],
    {
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(PORTS.codec),
      REFUND_ENCRYPTION_KEYS: secrets.encryptionKeys,
      CODEC_SERVER_TOKEN: secrets.codecToken,
    },
    path.join(logDir, 'codec-server.log'),
    httpAnswers(`http://127.0.0.1:${PORTS.codec}/`),
  );
  for (const service of [...apis.map((api) => api.service), codec]) {
    log(`Starting ${service.name}…`);
    await service.start();
    resources.add(service.name, () => service.stop());
  }
  log('Waiting for the refund workers to poll…');
  await pool.polling();
  sim.configure({ callbackUrl: `http://127.0.0.1:${PORTS.api[0]}/v1/eko/callback/${secrets.ekoCallbackToken}` });
  const prometheus = await startPrometheus(options.workers, logDir, resources);

  const connection = await Connection.connect({ address: temporal.address });
  resources.add('the Temporal connection', () => connection.close());
  const dataConverter = dataConverterFor(loadEncryptionConfig({ REFUND_ENCRYPTION_KEYS: secrets.encryptionKeys }));
  const client = new Client({ connection, namespace, dataConverter });
  const refunds = new RefundClient(client, taskQueue);

  const where = `
Production topology running (NODE_ENV=production; logs in .data/cluster/logs/):
  PostgreSQL       ${postgres.address}, user ${DB_USER} (data in .data/cluster/postgres)
  Temporal Server  ${temporal.address} (${version}, built from go.temporal.io/server), namespace ${namespace}
                   metrics http://127.0.0.1:${PORTS.temporalMetrics}/metrics
  Refund workers   ${options.workers}, task queue ${taskQueue}; metrics ${PORTS.workerMetrics
    .slice(0, options.workers)
    .map((p) => `:${p}`)
    .join(' ')}, health ${PORTS.workerHealth
    .slice(0, options.workers)
    .map((p) => `:${p}`)
    .join(' ')} (/healthz, /readyz)
  Refund API       ${PORTS.api.map((p) => `http://127.0.0.1:${p}`).join(', ')} (console at /, reference at /docs)
  Codec server     http://127.0.0.1:${PORTS.codec}
  Eko simulator    ${sim.baseUrl} (HTTPS, certificate .data/cluster/tls/simulator-cert.pem)
  Redis            ${redis ?? 'not installed: each API replica counts wrong OTPs alone'}
  Prometheus       ${prometheus ?? 'not installed (apt-get install prometheus)'}
Generated credentials (API keys, codec token, payload key): .data/cluster/secrets.json
  export REFUND_ENCRYPTION_KEYS=$(node -p "require('./.data/cluster/secrets.json').encryptionKeys")
  export TEMPORAL_ADDRESS=${temporal.address} TEMPORAL_NAMESPACE=${namespace}`;
  return { postgres, temporal, sim, pool, apis, client, dataConverter, refunds, secrets, where };
}

/** What the cluster needs from Debian besides PostgreSQL, which postgres.ts looks for itself. */
function checkPrograms(): void {
  const missing = [
    ['go', 'golang (Go 1.26 or newer)'],
    ['nc', 'netcat-openbsd (deploy/temporal/setup-schema.sh waits with it)'],
    ['openssl', 'openssl'],
    ['ss', 'iproute2 (the chaos run finds the worker behind an Eko call with ss)'],
  ].filter(([program]) => !installed(program));
  if (missing.length > 0) {
    throw new RunError(`npm run cluster needs: ${missing.map(([, pkg]) => pkg).join(', ')} (apt-get install)`);
  }
}

async function checkPortsFree(workers: number): Promise<void> {
  const ports = [
    PORTS.postgres,
    PORTS.temporal,
    PORTS.temporalMetrics,
    PORTS.simulator,
    PORTS.codec,
    ...PORTS.api,
    ...PORTS.workerMetrics.slice(0, workers),
    ...PORTS.workerHealth.slice(0, workers),
    PORTS.redis,
    PORTS.prometheus,
  ];
  if (workers > PORTS.workerMetrics.length) throw new RunError(`at most ${PORTS.workerMetrics.length} workers`);
  for (const port of ports) {
    if (await portInUse(port)) throw new RunError(`port ${port} is in use: stop what listens there (npm run dev?)`);
  }
}

async function buildProduction(logDir: string): Promise<void> {
  await new Promise<void>((resolve, reject) =>
    execFile('npm', ['run', 'build'], { cwd: REPO_ROOT, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      fs.writeFileSync(path.join(logDir, 'build.log'), stdout + stderr);
      if (err) reject(new RunError(`npm run build failed; see .data/cluster/logs/build.log`));
      else resolve();
    }),
  );
}

async function startRedis(logDir: string, resources: Resources): Promise<string | undefined> {
  const program = installed('redis-server');
  if (!program) return undefined;
  const redis = new Service(
    'Redis',
    program,
    ['--port', String(PORTS.redis), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {},
    path.join(logDir, 'redis.log'),
    () => listening(PORTS.redis),
  );
  await redis.start();
  resources.add('Redis', () => redis.stop());
  return `redis://127.0.0.1:${PORTS.redis}`;
}

async function startPrometheus(workers: number, logDir: string, resources: Resources): Promise<string | undefined> {
  const program = installed('prometheus');
  if (!program) return undefined;
  const targets = PORTS.workerMetrics.slice(0, workers).map((port) => `127.0.0.1:${port}`);
  const config = writeFile(
    path.join(CLUSTER_DIR, 'prometheus', 'prometheus.yml'),
    prometheusConfig(targets, `127.0.0.1:${PORTS.temporalMetrics}`),
  );
  const url = `http://127.0.0.1:${PORTS.prometheus}`;
  const prometheus = new Service(
    'Prometheus',
    program,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${path.join(CLUSTER_DIR, 'prometheus', 'data')}`,
      `--web.listen-address=127.0.0.1:${PORTS.prometheus}`,
    ],
    {},
    path.join(logDir, 'prometheus.log'),
    httpAnswers(`${url}/-/ready`),
  );
  await prometheus.start();
  resources.add('Prometheus', () => prometheus.stop());
  return `${url} (alerts at /alerts)`;
}
