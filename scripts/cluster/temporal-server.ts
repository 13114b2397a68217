// The cluster's Temporal Server: built from the official Go module at the version docker-compose.yml
// pins (once, into .temporal/server-<version>/, reused after), on the cluster's PostgreSQL, its
// schema set up and its namespace registered by the same scripts the compose stack runs
// (deploy/temporal/). A child process the cluster owns, so that a chaos run can restart it.
import { type ChildProcess, execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { listening, spawnChild, stopChild, untilReady } from '../../tools/children';
import { RunError } from '../../tools/resources';
import { temporalCliPath } from '../../tools/temporal-binaries';
import { appendLog } from './logs';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const DEPLOY = path.join(REPO_ROOT, 'deploy', 'temporal');
/** Temporal Server 1.32 needs a newer Go than Debian's; the Go module proxy serves this one. */
const GO_TOOLCHAIN = 'go1.27.3';
const run = promisify(execFile);

/** The version of the temporalio/server image docker-compose.yml runs: the cluster runs the same. */
export function pinnedServerVersion(): string {
  const compose = fs.readFileSync(path.join(REPO_ROOT, 'docker-compose.yml'), 'utf8');
  const version = /image:\s*temporalio\/server:(\d+\.\d+\.\d+)/.exec(compose)?.[1];
  if (!version) throw new RunError('docker-compose.yml pins no temporalio/server:<version> image');
  return version;
}

export interface ServerBuild {
  version: string;
  /** The server, and temporal-sql-tool (the schema tool the admin-tools image ships) beside it. */
  binDir: string;
  /** The module's schema/postgresql/v12, as setup-schema.sh's SCHEMA_DIR. */
  schemaDir: string;
}

/** The server and its SQL tool from go.temporal.io/server, built on first use (a few minutes). */
export async function serverBuild(version: string, log: (line: string) => void): Promise<ServerBuild> {
  const home = path.join(REPO_ROOT, '.temporal', `server-${version}`);
  const build: ServerBuild = {
    version,
    binDir: path.join(home, 'bin'),
    schemaDir: path.join(home, 'schema', 'postgresql', 'v12'),
  };
  if (fs.existsSync(path.join(build.binDir, 'temporal-sql-tool')) && fs.existsSync(build.schemaDir)) return build;

  log(`Building Temporal Server ${version} from go.temporal.io/server (once; a few minutes)…`);
  const env = { ...process.env, GOTOOLCHAIN: process.env.GOTOOLCHAIN ?? GO_TOOLCHAIN };
  const goBin = fs.mkdtempSync(path.join(os.tmpdir(), 'temporal-server-build-'));
  try {
    await run(
      'go',
      ['install', `go.temporal.io/server/cmd/server@v${version}`, `go.temporal.io/server/cmd/tools/sql@v${version}`],
      { env: { ...env, GOBIN: goBin }, maxBuffer: 64 * 1024 * 1024 },
    ).catch((err: Error & { stderr?: string }) => {
      throw new RunError(
        `building Temporal Server ${version} failed (needs Go; \`go\` on PATH):\n${err.stderr ?? err.message}`,
      );
    });
    const modDir = execFileSync('go', ['env', 'GOMODCACHE'], { env, encoding: 'utf8' }).trim();
    fs.mkdirSync(path.dirname(build.schemaDir), { recursive: true });
    // The module cache is read-only: copy without its modes, so that .temporal/ can be removed.
    const schema = path.join(modDir, `go.temporal.io/server@v${version}`, 'schema', 'postgresql', 'v12');
    execFileSync('cp', ['-r', '--no-preserve=mode', schema, build.schemaDir]);
    fs.mkdirSync(build.binDir, { recursive: true });
    fs.copyFileSync(path.join(goBin, 'server'), path.join(build.binDir, 'temporal-server'));
    // Last: its presence says the build is complete.
    fs.copyFileSync(path.join(goBin, 'sql'), path.join(build.binDir, 'temporal-sql-tool'));
    for (const file of ['temporal-server', 'temporal-sql-tool']) fs.chmodSync(path.join(build.binDir, file), 0o755);
  } finally {
    fs.rmSync(goBin, { recursive: true, force: true });
  }
  return build;
}

export interface Database {
  host: string;
  port: number;
  user: string;
  password: string;
}

/** deploy/temporal/setup-schema.sh, as the compose stack's temporal-schema service runs it. */
export async function setUpSchema(build: ServerBuild, db: Database): Promise<void> {
  await runScript('setup-schema.sh', {
    PATH: `${build.binDir}${path.delimiter}${process.env.PATH}`,
    SCHEMA_DIR: build.schemaDir,
    SQL_PLUGIN: 'postgres12',
    SQL_HOST: db.host,
    SQL_PORT: String(db.port),
    SQL_USER: db.user,
    SQL_PASSWORD: db.password,
  });
}

/** deploy/temporal/setup-namespace.sh, as the compose stack's temporal-setup service runs it. */
export async function setUpNamespace(address: string, namespace: string): Promise<void> {
  await runScript('setup-namespace.sh', {
    PATH: `${path.dirname(temporalCliPath())}${path.delimiter}${process.env.PATH}`,
    TEMPORAL_ADDRESS: address,
    TEMPORAL_NAMESPACE: namespace,
    TEMPORAL_NAMESPACE_RETENTION: '720h',
  });
}

async function runScript(name: string, env: Record<string, string>): Promise<void> {
  await run('sh', [path.join(DEPLOY, name)], { env: { ...process.env, ...env } }).catch(
    (err: Error & { stdout?: string; stderr?: string }) => {
      throw new RunError(`deploy/temporal/${name} failed:\n${err.stdout ?? ''}${err.stderr ?? err.message}`);
    },
  );
}

export interface ServerOptions {
  build: ServerBuild;
  db: Database;
  /**
   * The frontend's gRPC port; the other services take theirs beside it, as Temporal's defaults do
   * for 7233: history +1, matching +2, worker +6, their membership ports 300 below, HTTP +10.
   */
  port: number;
  metricsPort: number;
  /** Where its configuration is written. */
  dir: string;
  logFile: string;
}

/** The Temporal Server process: started, stopped and restarted with its data kept in PostgreSQL. */
export class TemporalServer {
  private child: ChildProcess | undefined;

  constructor(private readonly options: ServerOptions) {
    fs.mkdirSync(path.join(options.dir, 'config'), { recursive: true });
    fs.writeFileSync(path.join(options.dir, 'config', 'cluster.yaml'), serverConfig(options), { mode: 0o600 });
  }

  get address(): string {
    return `127.0.0.1:${this.options.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(): Promise<void> {
    const { build, dir, logFile } = this.options;
    const args = ['--root', dir, '--config', 'config', '--env', 'cluster', '--allow-no-auth', 'start'];
    this.child = spawnChild(path.join(build.binDir, 'temporal-server'), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    appendLog(this.child, logFile);
    await untilReady('the Temporal server', () => listening(this.options.port), { child: this.child, logFile });
  }

  async stop(): Promise<void> {
    if (this.child) await stopChild(this.child, 20_000);
  }
}

/**
 * The server's static configuration: the module's config/development-postgres12.yaml with the
 * cluster's database, ports and the compose stack's dynamic configuration. 4 history shards, as
 * the temporalio/server image's default (fixed once the database exists).
 */
function serverConfig({ db, port, metricsPort }: ServerOptions): string {
  const store = (database: string, maxConns: number) => `
      sql:
        pluginName: postgres12
        databaseName: ${database}
        connectAddr: "${db.host}:${db.port}"
        connectProtocol: tcp
        user: ${JSON.stringify(db.user)}
        password: ${JSON.stringify(db.password)}
        maxConns: ${maxConns}
        maxIdleConns: ${maxConns}
        maxConnLifetime: 1h`;
  const service = (grpcPort: number, membershipPort: number, extra = '') => `
    rpc:
      grpcPort: ${grpcPort}
      membershipPort: ${membershipPort}
      bindOnLocalHost: true${extra}`;
  return `# Written by npm run cluster (scripts/cluster/temporal-server.ts) at each start: edits are lost.
log:
  stdout: true
  level: warn
persistence:
  defaultStore: postgres-default
  visibilityStore: postgres-visibility
  numHistoryShards: 4
  datastores:
    postgres-default:${store('temporal', 20)}
    postgres-visibility:${store('temporal_visibility', 10)}
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: 127.0.0.1
  metrics:
    prometheus:
      framework: tally
      timerType: histogram
      listenAddress: "127.0.0.1:${metricsPort}"
services:
  frontend:${service(port, port - 300, `\n      httpPort: ${port + 10}`)}
  matching:${service(port + 2, port - 298)}
  history:${service(port + 1, port - 299)}
  worker:${service(port + 6, port - 294)}
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: frontend
      rpcAddress: "127.0.0.1:${port}"
dcRedirectionPolicy:
  policy: noop
dynamicConfigClient:
  filepath: ${JSON.stringify(path.join(DEPLOY, 'dynamicconfig', 'docker.yaml'))}
  pollInterval: 10s
`;
}
