// The platform's faults, struck on the cluster during a chaos run (`npm run cluster -- --chaos`):
// one after another, 20 s apart, from the start (while refunds are driven) to the operator's end,
// round after round.
import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChaosContext } from '../chaos/context';
import { injectFaults, noteError } from '../chaos/context';
import type { Random } from '../chaos/random';
import type { PlatformFaults } from '../chaos/run';
import type { Cluster } from './topology';

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
  /** Aborted when the run is interrupted: waits end early, and what was stopped is started again. */
  signal: AbortSignal;
}

interface PlatformFault {
  name: string;
  /** Whether it struck (its moment may not come). */
  strike(target: FaultTarget): Promise<boolean>;
}

export function platformFaults(cluster: Cluster, random: Random, apiKey: string): PlatformFaults {
  const struck = new Map(FAULTS.map((f) => [f.name, 0]));
  const desk = new ApiDesk(cluster, apiKey);
  const wake = new AbortController();
  let striking: Promise<void> = Promise.resolve();
  let roundDone = () => undefined as void;
  const firstRound = new Promise<void>((resolve) => (roundDone = resolve));
  const abort = async () => {
    wake.abort();
    desk.disarm();
    await Promise.all([striking, desk.restarting]);
  };
  return {
    start(ctx, until) {
      const { signal } = wake;
      striking = (async () => {
        for (let i = 0; !signal.aborted; i++) {
          await sleep(i === 0 ? SPACING_MS / 2 : SPACING_MS, undefined, { signal }).catch(() => undefined);
          if (signal.aborted || Date.now() > until) return;
          const fault = FAULTS[i % FAULTS.length];
          console.error(`  platform fault: ${fault.name}…`);
          try {
            const hit = await fault.strike({ cluster, ctx, random, desk, signal });
            if (hit) struck.set(fault.name, struck.get(fault.name)! + 1);
            console.error(`  platform fault: ${fault.name}: ${hit ? 'struck' : 'its moment did not come'}`);
          } catch (err) {
            noteError(ctx, `platform fault: ${fault.name}`, err);
          }
          if (i === FAULTS.length - 1) roundDone();
        }
      })();
    },
    // Every fault gets its turn once, even after the refunds are driven (a short run).
    async stop() {
      await Promise.race([firstRound, striking]);
      await abort();
    },
    abort,
    struck: () => Object.fromEntries(struck),
    otpViaApi: (tid, otp) => desk.submitOtp(tid, otp),
  };
}

/** In this order, so that the API's turn comes while the drivers still hand OTPs over. */
const FAULTS: readonly PlatformFault[] = [
  {
    name: 'API replica restarted while an OTP is in flight',
    strike: ({ desk, random, signal }) => desk.restartMidOtp(random, signal),
  },
  { name: 'worker SIGKILLed mid-call', strike: ({ cluster, ctx, signal }) => killWorkerMidCall(cluster, ctx, signal) },
  {
    name: 'Temporal server restarted while refunds poll',
    async strike({ cluster: { temporal }, ctx, signal }) {
      // Refunds past the OTP and not ended are submitting or polling Eko.
      const polling = () => ctx.all.some((r) => r.driven && r.outcome === undefined);
      if (!(await momentComes(polling, signal))) return false;
      await temporal.stop();
      await temporal.start();
      return true;
    },
  },
  {
    name: 'PostgreSQL stopped for 30 s',
    async strike({ cluster: { postgres }, signal }) {
      await postgres.stop();
      await sleep(DATABASE_DOWN_MS, undefined, { signal }).catch(() => undefined);
      await postgres.start();
      return true;
    },
  },
  {
    name: 'worker frozen (SIGSTOP) for a minute',
    strike: ({ cluster, random, signal }) => cluster.pool.pauseOne(random, PAUSE_MS, signal),
  },
];

async function momentComes(now: () => boolean, signal: AbortSignal): Promise<boolean> {
  for (const until = Date.now() + MOMENT_MS; Date.now() < until && !signal.aborted; await sleep(100)) {
    if (now()) return true;
  }
  return false;
}

/**
 * SIGKILLs the worker whose Eko call the simulator is answering: a latency fault holds the next
 * call open for a second, the simulator names the caller's port, and `ss` the process behind it.
 */
async function killWorkerMidCall({ sim, pool }: Cluster, ctx: ChaosContext, signal: AbortSignal): Promise<boolean> {
  // Through the run's tally: the report counts it among the faults injected and struck.
  injectFaults(ctx, [{ type: 'latency', latencyMs: 1_000 }]);
  let killed = false;
  await momentComes(() => {
    const calls = sim.requestsInFlight().filter(({ path }) => path.startsWith('/ekoapi/'));
    const pid = calls.map(({ remotePort }) => processOnPort(remotePort)).find((p) => p !== undefined);
    killed = pid !== undefined && pool.killPid(pid);
    return killed;
  }, signal);
  return killed;
}

/** The process with a TCP connection from this local port (iproute2's `ss`). */
function processOnPort(port: number): number | undefined {
  const stdout = execFileSync('ss', ['-Htnp', 'state', 'established', `( sport = :${port} )`], { encoding: 'utf8' });
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
  private armed: { random: Random; took: (inFlight: PromiseLike<boolean>) => void } | undefined;
  /** The replica restart under way, if any: the run waits for it before it stops the cluster. */
  restarting: Promise<unknown> = Promise.resolve();

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
      const signal = armed.random.next() < 0.5 ? 'SIGKILL' : 'SIGTERM';
      console.error(`  platform fault: ${replica.name} ${signal} with an OTP ${inFlight ? 'in flight' : 'answered'}`);
      this.restarting = replica.service.restart(signal);
      armed.took(this.restarting.then(() => inFlight));
    }
    const response = await request;
    if (!response.ok) throw new Error(`${replica.name}: ${response.status} ${await response.text()}`);
  }

  /** Arms the next OTP's replica restart; true once a replica restarted before an OTP's answer. */
  async restartMidOtp(random: Random, signal: AbortSignal): Promise<boolean> {
    // Resolves once the restart is over: whether the OTP was still unanswered when it began.
    const struck = new Promise<boolean>((took) => (this.armed = { random, took }));
    const noOtpCame = sleep(MOMENT_MS, undefined, { signal }).then(
      () => undefined,
      () => undefined,
    );
    const outcome = await Promise.race([struck, noOtpCame]);
    if (outcome === undefined) this.armed = undefined;
    return outcome ?? false;
  }

  disarm(): void {
    this.armed = undefined;
  }
}
