// The cluster's Node processes besides the workers: the refund API replicas and the codec server,
// each `node dist/...` from the production build with NODE_ENV=production; and Debian's Redis and
// Prometheus when installed.
import { type ChildProcess, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { hasExited, spawnChild, stopChild } from '../../tools/children';
import { RunError } from '../../tools/resources';
import { appendLog } from './logs';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const START_TIMEOUT_MS = 60_000;

/** Only what a process needs from this shell: none of its Temporal, Eko or key settings leak in. */
export function baseEnv(): Record<string, string> {
  return Object.fromEntries(
    ['PATH', 'HOME', 'TMPDIR', 'TZ'].flatMap((name) => (process.env[name] ? [[name, process.env[name]]] : [])),
  );
}

/** A long-running process that the cluster starts, waits for, stops and may restart. */
export class Service {
  private child: ChildProcess | undefined;
  restarts = 0;

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
      env: { ...baseEnv(), ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    appendLog(this.child, this.logFile);
    const until = Date.now() + START_TIMEOUT_MS;
    while (!(await this.ready().catch(() => false))) {
      if (hasExited(this.child)) throw new RunError(`${this.name} exited at start; its log: ${this.logFile}`);
      if (Date.now() > until) throw new RunError(`${this.name} did not start in 60 s; its log: ${this.logFile}`);
      await sleep(200);
    }
  }

  /** SIGTERM (the process drains), or SIGKILL as a crash would. */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    if (!this.child || hasExited(this.child)) return;
    if (signal === 'SIGKILL') {
      const exited = new Promise((resolve) => this.child!.once('exit', resolve));
      this.child.kill('SIGKILL');
      await exited;
    } else await stopChild(this.child, 15_000);
  }

  async restart(signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    await this.stop(signal);
    this.restarts += 1;
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
