// What a chaos run prints: a table for people, then one JSON line (the last) for machines.
import type { DriverTally } from './context';
import type { RefundRecord } from './drive';
import type { ChaosOptions } from './options';
import type { FaultType, RefundPlan } from './plans';
import type { WorkerCrash } from './workers';
import { type Finding, type Verdict, violationCount } from './verdict';

export interface ChaosFacts {
  options: ChaosOptions;
  plans: readonly RefundPlan[];
  records: readonly RefundRecord[];
  verdict: Verdict;
  tally: DriverTally;
  kills: number;
  workersStarted: number;
  crashes: readonly WorkerCrash[];
  faultsInjected: Partial<Record<FaultType, number>>;
  faultsStruck: Partial<Record<FaultType, number>>;
  durationMs: number;
}

export function summary(facts: ChaosFacts) {
  const { options, verdict, tally } = facts;
  const violations = violationCount(verdict, facts.crashes.length);
  return {
    seed: options.seed,
    refunds: options.refunds,
    started: verdict.started,
    terminalByOutcome: verdict.byOutcome,
    unexpectedOutcomes: verdict.unexpectedOutcomes.length,
    appliedMoreThanOnce: verdict.appliedMoreThanOnce.length,
    refundCallsAfterApplied: verdict.refundCallsAfterApplied.length,
    appliedVersusOutcome: verdict.appliedVersusOutcome.length,
    refundCallsNotAllowed: verdict.refundCallsNotAllowed.length,
    notTerminalByDeadline: verdict.notTerminalByDeadline.length,
    notStarted: verdict.notStarted.length,
    workerKills: facts.kills,
    workersStarted: facts.workersStarted,
    workerCrashes: facts.crashes.length,
    faultsInjected: facts.faultsInjected,
    faultsStruck: facts.faultsStruck,
    ekoCalls: verdict.ekoCalls,
    scenarios: countBy(facts.plans.map((p) => p.scenario)),
    otp: {
      byUpdate: tally.otpByUpdate,
      bySignal: tally.otpBySignal,
      retried: tally.otpRetries,
      resends: tally.resends,
      beyondPlan: tally.extraOtps,
    },
    timeToOutcome: timeToOutcome(facts.records),
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
    [`Chaos run: ${o.refunds} refunds, seed ${o.seed}, ${o.workers} workers, a kill about every ${o.killEveryMs} ms`],
    [
      'refunds started',
      `${s.started} of ${s.refunds}${s.notStarted ? `   <-- VIOLATION (${s.notStarted} not started)` : ''}`,
    ],
    ['terminal, by outcome', list(s.terminalByOutcome) || 'none'],
    ['unexpected outcomes (must be 0)', must0(s.unexpectedOutcomes)],
    ['applied more than once (must be 0)', must0(s.appliedMoreThanOnce)],
    ['refund calls after Eko applied it (must be 0)', must0(s.refundCallsAfterApplied)],
    ['applied count vs outcome (must be 0)', must0(s.appliedVersusOutcome)],
    ['refund calls where none is allowed (must be 0)', must0(s.refundCallsNotAllowed)],
    ['not terminal by the deadline (must be 0)', must0(s.notTerminalByDeadline)],
    ['worker kills', `${s.workerKills} (${s.workersStarted} workers started)`],
    ['workers crashed on their own (must be 0)', must0(s.workerCrashes)],
    ['faults injected', list(s.faultsInjected) || 'none'],
    ['faults that struck', list(s.faultsStruck) || 'none'],
    ['Eko calls', list(s.ekoCalls)],
    ['OTPs handed over', `${s.otp.byUpdate} by update, ${s.otp.bySignal} by signal`],
    ['  again after an error', `${s.otp.retried} (the refund still waited for it)`],
    ['  resends, beyond the plan', `${s.otp.resends}, ${s.otp.beyondPlan}`],
    [
      'time to outcome',
      `p50 ${seconds(s.timeToOutcome.p50Ms)}, p95 ${seconds(s.timeToOutcome.p95Ms)}, ` +
        `max ${seconds(s.timeToOutcome.maxMs)} (tid ${s.timeToOutcome.slowestTid})`,
    ],
    ['duration', `${seconds(s.durationMs)} (deadline ${seconds(s.deadlineMs)})`],
    ['Scenarios'],
    ...Object.entries(s.scenarios).map(([name, n]): Row => [name, String(n)]),
  ];
  console.log(table(rows));
  printFindings('Applied more than once', verdict.appliedMoreThanOnce);
  printFindings('Refund calls after Eko applied the refund', verdict.refundCallsAfterApplied);
  printFindings('Applied count vs outcome', verdict.appliedVersusOutcome);
  printFindings('Refund calls where none is allowed', verdict.refundCallsNotAllowed);
  printFindings('Unexpected outcomes', verdict.unexpectedOutcomes);
  printFindings('Not terminal by the deadline', verdict.notTerminalByDeadline);
  printFindings('Not started', verdict.notStarted);
  printFindings('Driver problems (information)', verdict.driverProblems);
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
  console.log(`\n${title} (${findings.length})`);
  for (const f of findings.slice(0, 10)) console.log(`  tid ${f.tid} [${f.scenario}]: ${f.detail}`);
  if (findings.length > 10) console.log(`  ... and ${findings.length - 10} more`);
}

type Row = [label: string, value: string] | [section: string];

function table(rows: readonly Row[]): string {
  const width = Math.max(...rows.filter((r) => r.length === 2).map((r) => r[0].length));
  return rows.map((row) => (row.length === 1 ? `\n${row[0]}` : `  ${row[0].padEnd(width)}  ${row[1]}`)).join('\n');
}

/** From the first start to the workflow's completion, over the refunds that completed. */
function timeToOutcome(records: readonly RefundRecord[]) {
  const times = records
    .filter((r) => r.startedAt !== undefined && r.result !== undefined)
    .map((r) => ({ tid: r.plan.tid, ms: Date.parse(r.result!.completedAt) - r.startedAt! }))
    .sort((a, b) => a.ms - b.ms);
  const at = (p: number) => times[Math.min(times.length - 1, Math.ceil((p / 100) * times.length) - 1)]?.ms ?? NaN;
  return { p50Ms: at(50), p95Ms: at(95), maxMs: times.at(-1)?.ms ?? NaN, slowestTid: times.at(-1)?.tid };
}

export function countBy<T extends string>(items: readonly T[]): Partial<Record<T, number>> {
  const counts: Partial<Record<T, number>> = {};
  for (const item of items) counts[item] = (counts[item] ?? 0) + 1;
  return counts;
}

const list = (counts: Partial<Record<string, number>>) =>
  Object.entries(counts)
    .map(([key, n]) => `${key} ${n}`)
    .join(', ');

const seconds = (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : 'n/a');
