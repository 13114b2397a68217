// What a chaos run prints: a table for people, then one JSON line (the last) for machines.
import type { DriverTally } from './context';
import type { ChaosOptions } from './options';
import type { FaultType, RefundPlan } from './plans';
import type { ChaosRefund } from './refund';
import { countBy, percentile, type Row, table } from '../lib/report';
import type { WorkerCrash } from './workers';
import { type Check, CHECKS, type Finding, type Verdict, violationCount } from './verdict';

export interface ChaosFacts {
  options: ChaosOptions;
  plans: readonly RefundPlan[];
  refunds: readonly ChaosRefund[];
  verdict: Verdict;
  tally: DriverTally;
  /** What the operator did, by action. */
  operatorActions: Record<string, number>;
  /** Workflow runs whose histories were read (a reset makes one). */
  runsRead: number;
  /** Workflow tasks the server failed itself (a reset, a message as the workflow completed), by cause. */
  tasksFailedByServer: Record<string, number>;
  workersStarted: number;
  crashes: readonly WorkerCrash[];
  faultsInjected: Partial<Record<FaultType, number>>;
  faultsStruck: Partial<Record<FaultType, number>>;
  /** On the cluster: each platform fault and how often it struck. */
  platformFaults?: Record<string, number>;
  /** The webhook subscriber: events taken, and attempts it refused (each event's first few). */
  webhooks: { received: number; refused: number };
  durationMs: number;
}

const checks = Object.keys(CHECKS) as Check[];

export function summary(facts: ChaosFacts) {
  const { options, verdict, tally } = facts;
  // A platform fault that never struck leaves the run unproven: counted as a violation.
  const platformMissed = Object.values(facts.platformFaults ?? {}).filter((n) => n === 0).length;
  const violations = violationCount(verdict, facts.crashes.length) + platformMissed;
  return {
    seed: options.seed,
    refunds: options.refunds,
    started: verdict.started,
    terminalByOutcome: verdict.byOutcome,
    ...(Object.fromEntries(checks.map((check) => [check, verdict.failed[check].length])) as Record<Check, number>),
    operatorActions: facts.operatorActions,
    temporalCancelsByPhase: Object.fromEntries(tally.cancelsByPhase),
    outcomesAfter: {
      temporalCancel: verdict.acted.cancelled,
      reset: verdict.acted.reset,
    },
    runsRead: facts.runsRead,
    tasksFailedByServer: facts.tasksFailedByServer,
    workersStarted: facts.workersStarted,
    workerCrashes: facts.crashes.length,
    faultsInjected: facts.faultsInjected,
    faultsStruck: facts.faultsStruck,
    ...(facts.platformFaults && { platformFaults: facts.platformFaults, platformFaultsMissed: platformMissed }),
    ekoCalls: verdict.ekoCalls,
    webhooks: facts.webhooks,
    scenarios: countBy(facts.plans.map((p) => p.scenario)),
    dialects: countBy(facts.plans.map((p) => p.seed.dialect ?? 'default')),
    otp: {
      byUpdate: tally.otpByUpdate,
      byApi: tally.otpByApi,
      bySignal: tally.otpBySignal,
      byHand: tally.otpByHand,
      retried: tally.otpRetries,
      afterReset: tally.afterReset,
      resends: tally.resends,
      beyondPlan: tally.extraOtps,
    },
    timeToOutcome: timeToOutcome(facts.refunds),
    durationMs: Math.round(facts.durationMs),
    deadlineMs: options.deadlineMs,
    violations,
    ok: violations === 0,
  };
}

export function printReport(facts: ChaosFacts): void {
  const s = summary(facts);
  const { verdict } = facts;
  const o = facts.options;
  const must0 = (n: number) => `${n}${n === 0 ? '' : '   <-- VIOLATION'}`;
  const rows: Row[] = [
    [
      `Chaos run: ${o.refunds} refunds, seed ${o.seed}, ${o.workers} workers, an operator action about every ${o.actEveryMs} ms`,
    ],
    ['refunds started', `${s.started} of ${s.refunds}`],
    ['terminal, by outcome', list(s.terminalByOutcome) || 'none'],
    ...checks.map((check): Row => [`${CHECKS[check]} (must be 0)`, must0(s[check])]),
    ['operator actions', `${list(s.operatorActions) || 'none'} (${s.workersStarted} workers started)`],
    ['  Temporal cancels, by phase before', list(s.temporalCancelsByPhase) || 'none'],
    ['  refunds Temporal-cancelled, by outcome', list(s.outcomesAfter.temporalCancel) || 'none'],
    ['  refunds reset, by outcome', list(s.outcomesAfter.reset) || 'none'],
    ['workflow runs whose histories were read', String(s.runsRead)],
    ['  tasks the server failed itself (not counted)', list(s.tasksFailedByServer) || 'none'],
    ['workers crashed on their own (must be 0)', must0(s.workerCrashes)],
    ['faults injected', list(s.faultsInjected) || 'none'],
    ['faults that struck', list(s.faultsStruck) || 'none'],
    ...(s.platformFaults
      ? [
          [
            'platform faults that struck (each at least once)',
            `${list(s.platformFaults)}; missed ${must0(s.platformFaultsMissed ?? 0)}`,
          ] as Row,
        ]
      : []),
    ['Eko calls', list(s.ekoCalls)],
    [
      'webhook events (outcomes) taken by the subscriber',
      `${s.webhooks.received} (after ${s.webhooks.refused} refused attempts)`,
    ],
    [
      'OTPs handed over',
      `${s.otp.byUpdate} by update (${s.otp.byApi} of them through the API), ${s.otp.bySignal} by signal, ${s.otp.byHand} by signal by hand (temporal CLI)`,
    ],
    ['  again after an error', `${s.otp.retried} (the refund still waited for it)`],
    ['  resends, beyond the plan', `${s.otp.resends}, ${s.otp.beyondPlan}`],
    ['  hand-overs again after a reset', String(s.otp.afterReset)],
    ['dialects', list(s.dialects)],
    [
      'time to outcome (not reset)',
      `p50 ${seconds(s.timeToOutcome.p50Ms)}, p95 ${seconds(s.timeToOutcome.p95Ms)}, ` +
        `max ${seconds(s.timeToOutcome.maxMs)} (tid ${s.timeToOutcome.slowestTid})`,
    ],
    ['duration', `${seconds(s.durationMs)} (deadline ${seconds(s.deadlineMs)})`],
    ['Scenarios'],
    ...Object.entries(s.scenarios).map(([name, n]): Row => [name, String(n)]),
  ];
  console.log(table(rows));
  for (const check of checks) printFindings(CHECKS[check], verdict.failed[check]);
  printFindings('driver problems (information)', verdict.driverProblems);
  for (const crash of facts.crashes)
    console.log(`\nWorker ${crash.id} crashed (${crash.exit}); its log ends:\n${crash.log}`);
  const errors = [...facts.tally.errors].sort((a, b) => b[1] - a[1]).slice(0, 8);
  if (errors.length > 0) {
    console.log('\nErrors the drivers tolerated (most frequent)');
    for (const [what, n] of errors) console.log(`  ${String(n).padStart(5)}  ${what}`);
  }
  console.log(
    s.ok
      ? '\nRESULT: OK, every check holds'
      : `\nRESULT: ${s.violations} VIOLATION(S); replay the plans with --seed ${s.seed}`,
  );
  console.log(JSON.stringify(s));
}

function printFindings(title: string, findings: readonly Finding[]): void {
  if (findings.length === 0) return;
  console.log(`\n${title[0].toUpperCase()}${title.slice(1)} (${findings.length})`);
  for (const f of findings.slice(0, 10)) console.log(`  tid ${f.tid} [${f.scenario}]: ${f.detail}`);
  if (findings.length > 10) console.log(`  ... and ${findings.length - 10} more`);
}

/**
 * From the first start to the workflow's completion, over the refunds that completed and were not
 * reset (a reset may come minutes after the refund ended).
 */
function timeToOutcome(refunds: readonly ChaosRefund[]) {
  const times = refunds
    .filter((r) => r.startedAt !== undefined && r.result !== undefined && r.resets === 0)
    .map((r) => ({ tid: r.plan.tid, ms: Date.parse(r.result!.completedAt) - r.startedAt! }))
    .sort((a, b) => a.ms - b.ms);
  const ms = times.map((t) => t.ms);
  return {
    p50Ms: percentile(ms, 50),
    p95Ms: percentile(ms, 95),
    maxMs: ms.at(-1) ?? NaN,
    slowestTid: times.at(-1)?.tid,
  };
}

const list = (counts: Partial<Record<string, number>>) =>
  Object.entries(counts)
    .map(([key, n]) => `${key} ${n}`)
    .join(', ');

const seconds = (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : 'n/a');
