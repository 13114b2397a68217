// The platform's faults, struck on the cluster during a chaos run (`npm run cluster -- --chaos`):
// one after another, 20 s apart, from the start (while refunds are driven) to the operator's end,
// round after round.
import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { ChaosContext } from '../chaos/context';
import { noteError } from '../chaos/context';
import type { Random } from '../chaos/random';
import type { PlatformFaults } from '../chaos/run';
import type { Cluster } from './topology';

const run = promisify(execFile);
/** Between two faults: each needs the time to strike and the cluster to recover. */
const SPACING_MS = 20_000;
const PAUSE_MS = 60_000;
const DATABASE_DOWN_MS = 30_000;
/** How long a fault waits for its moment (an Eko call in flight, an OTP on its way). */
const MOMENT_MS = 60_000;

interface FaultTarget {
  cluster: Cluster;
  ctx: ChaosContext;
  random: Random;
  desk: ApiDesk;
}

interface PlatformFault {
  name: string;
  /** Whether it struck (its moment may not come). */
  strike(target: FaultTarget): Promise<boolean>;
}

export function platformFaults(cluster: Cluster, random: Random, apiKey: string): PlatformFaults {
  const struck = new Map(FAULTS.map((f) => [f.name, 0]));
  const desk = new ApiDesk(cluster, apiKey);
  let stopped = false;
  let striking: Promise<void> = Promise.resolve();
  const wake = new AbortController();
  return {
    start(ctx, until) {
      striking = (async () => {
        for (let i = 0; !stopped; i++) {
          await sleep(i === 0 ? SPACING_MS / 2 : SPACING_MS, undefined, { signal: wake.signal }).catch(() => undefined);
          if (stopped || Date.now() > until) return;
          const fault = FAULTS[i % FAULTS.length];
          console.error(`  platform fault: ${fault.name}…`);
          try {
            const hit = await fault.strike({ cluster, ctx, random, desk });
            if (hit) struck.set(fault.name, struck.get(fault.name)! + 1);
            console.error(`  platform fault: ${fault.name}: ${hit ? 'struck' : 'its moment did not come'}`);
          } catch (err) {
            noteError(ctx, `platform fault: ${fault.name}`, err);
          }
        }
      })();
    },
    async stop() {
      stopped = true;
      wake.abort();
      desk.disarm();
      await striking;
    },
    struck: () => Object.fromEntries(struck),
    otpViaApi: (tid, otp) => desk.submitOtp(tid, otp),
  };
}

/** In this order, so that the API's turn comes while the drivers still hand OTPs over. */
const FAULTS: readonly PlatformFault[] = [
  { name: 'API replica restarted while an OTP is in flight', strike: ({ desk, random }) => desk.restartMidOtp(random) },
  { name: 'worker SIGKILLed mid-call', strike: ({ cluster }) => killWorkerMidCall(cluster) },
  {
    name: 'Temporal server restarted while refunds poll',
    async strike({ cluster: { temporal }, ctx }) {
      // Refunds past the OTP and not ended are submitting or polling Eko.
      if (!(await momentComes(() => ctx.all.some((r) => r.driven && r.outcome === undefined)))) return false;
      await temporal.stop();
      await temporal.start();
      return true;
    },
  },
  {
    name: 'PostgreSQL stopped for 30 s',
    async strike({ cluster: { postgres } }) {
      await postgres.stop();
      await sleep(DATABASE_DOWN_MS);
      await postgres.start();
      return true;
    },
  },
  {
    name: 'worker frozen (SIGSTOP) for a minute',
    strike: ({ cluster, random }) => cluster.pool.pauseOne(random, PAUSE_MS),
  },
];

async function momentComes(now: () => boolean): Promise<boolean> {
  for (const until = Date.now() + MOMENT_MS; Date.now() < until; await sleep(250)) if (now()) return true;
  return false;
}

/**
 * SIGKILLs the worker whose Eko call the simulator is answering: a latency fault holds the next
 * call open for a second, the simulator names the caller's port, and `ss` the process behind it.
 */
async function killWorkerMidCall({ sim, pool }: Cluster): Promise<boolean> {
  sim.injectFault({ type: 'latency', latencyMs: 1_000 });
  const until = Date.now() + MOMENT_MS;
  while (Date.now() < until) {
    for (const { path, remotePort } of sim.requestsInFlight()) {
      if (!path.startsWith('/ekoapi/')) continue;
      const pid = await processOnPort(remotePort);
      if (pid !== undefined && pool.killPid(pid)) return true;
    }
    await sleep(20);
  }
  return false;
}

/** The process with a TCP connection from this local port (iproute2's `ss`). */
async function processOnPort(port: number): Promise<number | undefined> {
  const { stdout } = await run('ss', ['-Htnp', 'state', 'established', `( sport = :${port} )`]);
  const pid = /pid=(\d+)/.exec(stdout)?.[1];
  return pid === undefined ? undefined : Number(pid);
}

/**
 * The support desk's side: OTPs through the API replicas over HTTP, in turn. Armed, it restarts the
 * replica an OTP was just sent to, before the answer: the client gets the answer (a graceful
 * SIGTERM drains) or an error, and the chaos driver then looks before it sends again (otp.ts).
 */
class ApiDesk {
  private next = 0;
  private armed: ((struck: boolean) => void) | undefined;
  private random: Random | undefined;

  constructor(
    private readonly cluster: Cluster,
    private readonly apiKey: string,
  ) {}

  async submitOtp(tid: string, otp: string): Promise<void> {
    const replica = this.cluster.apis[this.next++ % this.cluster.apis.length];
    const request = fetch(`${replica.url}/v1/refunds/${tid}/otp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ otp }),
    });
    const armed = this.armed;
    if (armed) {
      this.armed = undefined;
      let answered = false;
      void request.finally(() => (answered = true)).catch(() => undefined);
      // The update is on its way: the replica has it, and waits for the refund's answer.
      await sleep(50);
      const inFlight = !answered;
      const signal = this.random!.next() < 0.5 ? 'SIGKILL' : 'SIGTERM';
      console.error(`  platform fault: ${replica.name} ${signal} with an OTP ${inFlight ? 'in flight' : 'answered'}`);
      void replica.service.restart(signal).then(
        () => armed(inFlight),
        () => armed(false),
      );
    }
    const response = await request;
    if (!response.ok) throw new Error(`${replica.name}: ${response.status} ${await response.text()}`);
  }

  /** Arms the next OTP's replica restart; true once a restart came before an OTP's answer. */
  restartMidOtp(random: Random): Promise<boolean> {
    this.random = random;
    return new Promise((resolve) => {
      const timer = setTimeout(() => ((this.armed = undefined), resolve(false)), MOMENT_MS);
      this.armed = (struck) => (clearTimeout(timer), resolve(struck));
    });
  }

  disarm(): void {
    this.armed?.(false);
    this.armed = undefined;
  }
}
