// The cluster's Node processes besides the workers: the refund API replicas and the codec server,
// each `node dist/...` from the production build with NODE_ENV=production; and Debian's Redis and
// Prometheus when installed.
import { type ChildProcess, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { inheritedEnv, spawnChild, stopChild, untilReady } from '../../tools/children';
import { appendLog } from './logs';

const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** A long-running process that the cluster starts, waits for, stops and may restart. */
export class Service {
  private child: ChildProcess | undefined;

  constructor(
    readonly name: string,
    private readonly command: string,
    private readonly args: string[],
    private readonly env: Record<string, string>,
    private readonly logFile: string,
    /** Resolves true once the process serves. */
    private readonly ready: () => Promise<boolean>,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(): Promise<void> {
    this.child = spawnChild(this.command, this.args, {
      cwd: REPO_ROOT,
      env: { ...inheritedEnv(), ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    appendLog(this.child, this.logFile);
    await untilReady(this.name, this.ready, { child: this.child, logFile: this.logFile });
  }

  /** SIGTERM (the process drains), or SIGKILL as a crash would. */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    if (this.child) await stopChild(this.child, signal === 'SIGKILL' ? 0 : 15_000, signal);
  }

  async restart(signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    await this.stop(signal);
    await this.start();
  }
}

export const httpAnswers = (url: string) => async () => (await fetch(url)).status < 500;

/** A program from Debian's packages, if installed. */
export function installed(program: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${program}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Prometheus's configuration: every worker, the Temporal server, and the project's alert rules. */
export function prometheusConfig(workerMetrics: string[], temporalMetrics: string): string {
  const alerts = path.join(REPO_ROOT, 'deploy', 'prometheus', 'alerts.yml');
  return `# Written by npm run cluster (scripts/cluster/services.ts) at each start.
global:
  scrape_interval: 15s
  evaluation_interval: 15s
rule_files:
  - ${JSON.stringify(alerts)}
scrape_configs:
  # alerts.yml expects this job name.
  - job_name: refund-worker
    static_configs:
      - targets: ${JSON.stringify(workerMetrics)}
  - job_name: temporal-server
    static_configs:
      - targets: [${JSON.stringify(temporalMetrics)}]
  - job_name: prometheus
    static_configs:
      - targets: ['127.0.0.1:${PORTS.prometheus}']
`;
}

/** The cluster's ports on loopback; the compose file's where it has one. */
export const PORTS = {
  postgres: 55432,
  temporal: 7233,
  temporalMetrics: 8000,
  simulator: 8443,
  codec: 8081,
  api: [8090, 8091],
  workerMetrics: [9464, 9465, 9466, 9467],
  workerHealth: [8088, 8089, 8098, 8099],
  redis: 6390,
  prometheus: 9090,
} as const;

export function writeFile(file: string, text: string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}
