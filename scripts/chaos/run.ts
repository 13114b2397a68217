// A chaos run on a stack: the refunds, the operator, the verdict and the report (scripts/chaos.ts
// on the dev server, scripts/cluster.ts on the production topology).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { type ChaosContext, newTally } from './context';
import { driveRefund } from './drive';
import { allFollowed, follow } from './follow';
import { readHistories, type RunHistory } from './histories';
import { startOperator } from './operator';
import type { ChaosOptions } from './options';
import { type FaultType, makePlans, RECOVERY_MS } from './plans';
import { seededRandom } from './random';
import { ChaosRefund } from './refund';
import { printReport, summary } from './report';
import type { ChaosStack } from './stack';
import type { TemporalCli } from './temporal-cli';
import { judge, outcomeEvent } from './verdict';
import { pooled } from '../lib/pooled';
import { countBy } from '../lib/report';
import type { Resources } from '../../tools/resources';

/**
 * Faults of the platform under the refunds (the cluster's: its database, its Temporal server, its
 * API replicas), struck on a schedule of their own while the operator acts.
 */
export interface PlatformFaults {
  /** Starts striking; the last strike comes before `until` (epoch ms). */
  start(ctx: ChaosContext, until: number): void;
  /** Stops once every fault had its turn (or at `until`), and the fault under way is over. */
  stop(): Promise<void>;
  /** Stops now (Ctrl-C): waits end early, and what a fault stopped is started again. */
  abort(): Promise<void>;
  /** How often each fault struck, every fault named (0: never, a violation). */
  struck(): Record<string, number>;
  /** Hands an OTP over as a support agent's console does: through the API replicas. */
  otpViaApi?: (tid: string, otp: string) => Promise<void>;
}

const EXIT_VIOLATION = 1;
const PROGRESS_EVERY_MS = 10_000;

/**
 * Runs the refunds of `options` on `stack` while the operator acts (and `platform`'s faults strike,
 * on the cluster), then judges every refund; returns the exit code.
 */
export async function runChaos(
  stack: ChaosStack,
  options: ChaosOptions,
  resources: Resources,
  platform?: PlatformFaults,
): Promise<number> {
  // Two streams from one seed: the plans do not shift when the operator's schedule changes, and back.
  const plans = makePlans(options.refunds, seededRandom(options.seed));
  const operatorRandom = seededRandom(options.seed ^ 0x5bd1e995);

  const startedAt = performance.now();
  const ctx: ChaosContext = {
    refunds: stack.refunds,
    client: stack.client,
    cli: stack.cli,
    sim: stack.sim,
    all: plans.map((plan) => new ChaosRefund(plan)),
    deadlineAt: Date.now() + options.deadlineMs,
    tally: newTally(),
    otpViaApi: platform?.otpViaApi,
  };
  // Every refund must reach its outcome by the deadline: the last disturbance comes a recovery before it.
  const until = ctx.deadlineAt - RECOVERY_MS;
  const operator = startOperator({ ...stack, ctx }, operatorRandom, { everyMs: options.actEveryMs, until });
  platform?.start(ctx, until);
  const stopActing = async () => void (await Promise.all([operator.stop(), platform?.stop()]));
  resources.add('the operator', async () => void (await Promise.all([operator.stop(), platform?.abort()])));
  const ticker = setInterval(() => printProgress(options, stack, ctx, startedAt), PROGRESS_EVERY_MS);
  resources.add('the progress ticker', () => clearInterval(ticker));

  await Promise.race([runAll(ctx, options.concurrency, stopActing), poolBroken(stack)]);
  const durationMs = performance.now() - startedAt;
  clearInterval(ticker);
  await eventsDelivered(ctx, stack);
  console.error('Reading every run’s history: failed workflow tasks, and a replay…');
  const histories = await readHistories(stack.client, stack.taskQueue, stack.workflowCode);
  await saveNotReplaying(histories.notReplaying, stack.cli, stack.encryptionKeys);

  const facts = {
    options,
    plans,
    refunds: ctx.all,
    verdict: judge(ctx.all, stack.sim, histories, stack.receiver.received),
    runsRead: histories.runs,
    tasksFailedByServer: histories.failedByServer,
    tally: ctx.tally,
    operatorActions: Object.fromEntries(operator.done),
    workersStarted: stack.pool.started,
    crashes: stack.pool.crashes,
    faultsInjected: Object.fromEntries(ctx.tally.faultsInjected) as Partial<Record<FaultType, number>>,
    faultsStruck: faultsStruck(stack, ctx.tally.faultsInjected),
    platformFaults: platform?.struck(),
    webhooks: { received: stack.receiver.received.length, refused: stack.receiver.refused },
    durationMs,
  };
  printReport(facts);
  return summary(facts).ok ? 0 : EXIT_VIOLATION;
}

/**
 * Drives `concurrency` refunds at a time from start to past the OTP; each is then followed to its
 * outcome outside the limit, so many refunds are in flight (polling, retrying) when workers die.
 * The operator stops once the last refund is past the OTP (or a recovery before the deadline), so
 * that the run's end is not a stream of resets reopening refunds that ended; the refunds it reset
 * meanwhile are followed to the end.
 */
async function runAll(ctx: ChaosContext, concurrency: number, stopActing: () => Promise<void>): Promise<void> {
  await pooled(ctx.all.length, concurrency, async (i) => {
    const refund = ctx.all[i];
    await driveRefund(ctx, refund);
    refund.driven = true;
    follow(ctx, refund);
  });
  await stopActing();
  await allFollowed(ctx.all);
}

/**
 * Histories that do not replay outlive the run's server: exported by the official CLI (`temporal
 * workflow show --output json`, as the replay fixtures are) with the run's throwaway payload key,
 * to replay with REFUND_ENCRYPTION_KEYS set to it.
 */
async function saveNotReplaying(histories: RunHistory[], cli: TemporalCli, encryptionKeys: string): Promise<void> {
  if (histories.length === 0) return;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eko-refund-chaos-histories-'));
  for (const [i, { workflowId, runId }] of histories.entries()) {
    // A failed export costs that file, not the run's verdict.
    await cli(['workflow', 'show', '--workflow-id', workflowId, '--run-id', runId, '--output', 'json']).then(
      (json) => fs.writeFileSync(path.join(dir, `${workflowId}-${i + 1}.json`), json),
      (err: unknown) => console.error(`Exporting run ${runId} of ${workflowId} failed: ${(err as Error).message}`),
    );
  }
  fs.writeFileSync(path.join(dir, 'REFUND_ENCRYPTION_KEYS'), encryptionKeys);
  console.error(`Histories that do not replay saved in ${dir}`);
}

/** An event still missing this long after the run is a violation, unless its next attempt is due. */
const EVENTS_WAIT_MS = 120_000;
/** How far the wait follows a delivery's retry schedule (attempts that killed workers took double it). */
const EVENTS_WAIT_MAX_MS = 12 * 60_000;

/**
 * Waits until every refund that ended has its outcome's event at the subscriber. The subscriber
 * takes each event from its sixth attempt; attempts a killed or cut-off worker took are lost and
 * push the backoff, so the wait follows each missing event's next attempt, up to a bound.
 */
async function eventsDelivered(ctx: ChaosContext, stack: ChaosStack): Promise<void> {
  console.error('Waiting for every outcome’s webhook…');
  const startedAt = Date.now();
  const missing = () =>
    ctx.all.filter(
      ({ outcome, plan }) =>
        outcome !== undefined &&
        !stack.receiver.received.some((r) => r.event.data.tid === plan.tid && r.event.type === outcomeEvent(outcome)),
    );
  /** When the last missing event's delivery tries next (its attempt and a little room). */
  const nextAttempts = async () => {
    let latest = 0;
    for (const { plan, outcome } of missing()) {
      const deliveries = await stack.refunds.notifications(plan.tid).catch(() => []);
      for (const d of deliveries.filter((d) => d.event === outcomeEvent(outcome!) && d.state === 'delivering'))
        latest = Math.max(latest, (d.nextAttemptAt ? Date.parse(d.nextAttemptAt) : Date.now()) + 20_000);
    }
    return latest;
  };
  let until = startedAt + EVENTS_WAIT_MS;
  while (missing().length > 0) {
    if (Date.now() >= until) {
      const due = Math.min(await nextAttempts(), startedAt + EVENTS_WAIT_MAX_MS);
      if (due <= Date.now()) break;
      until = due;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  for (const { plan } of missing()) {
    const deliveries = await stack.refunds.notifications(plan.tid).catch((err: Error) => err.message);
    console.error(`  ${plan.tid}: deliveries ${JSON.stringify(deliveries)}`);
  }
}

/** Faults injected minus those still waiting at the simulator (each strikes once). */
function faultsStruck(stack: ChaosStack, injected: ReadonlyMap<FaultType, number>): Partial<Record<FaultType, number>> {
  const waiting = countBy(stack.sim.faults().map((f) => f.type));
  return Object.fromEntries([...injected].map(([type, n]) => [type, n - (waiting[type] ?? 0)]));
}

function printProgress(options: ChaosOptions, stack: ChaosStack, ctx: ChaosContext, startedAt: number): void {
  const elapsed = Math.round((performance.now() - startedAt) / 1000);
  const driven = ctx.all.filter((r) => r.driven).length;
  const terminal = ctx.all.filter((r) => r.outcome !== undefined).length;
  console.error(
    `  ${elapsed} s: ${driven}/${options.refunds} driven past the OTP, ${terminal} terminal; ` +
      `${stack.pool.kills} worker kills, ${stack.pool.readyCount} polling`,
  );
}

/** A pool whose workers keep crashing on their own would only run into the deadline: stop early. */
function poolBroken(stack: ChaosStack): Promise<never> {
  return new Promise((_, reject) => {
    const timer = setInterval(() => {
      if (!stack.pool.broken) return;
      clearInterval(timer);
      const last = stack.pool.crashes.at(-1);
      reject(new Error(`the refund workers keep crashing on their own; the last one's log ends:\n${last?.log}`));
    }, 1_000);
    timer.unref();
  });
}
