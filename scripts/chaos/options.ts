// The flags of `npm run chaos`.
import { randomInt } from 'node:crypto';
import { toMs } from '../../src/contract';
import { integer, parseFlags, valueFlags } from '../lib/args';
import { RECOVERY_MS } from './plans';

export const USAGE = `npm run chaos -- [options]
  --refunds <n>        refunds to run (default 200)
  --concurrency <n>    refunds being driven at once, from start to past the OTP (default 20)
  --workers <n>        refund worker processes kept running (default 2)
  --act-every <ms>     one operator action about this often, ± 50 % (default 1000; 0: never), drawn
                       by weight from OPERATOR_ACTIONS in scripts/chaos/operator.ts: SIGKILL a worker;
                       on a random refund, a Temporal cancel (CLI or handle.cancel()), a reset to an
                       earlier workflow task (an ended refund too), a malformed otp signal or a
                       resendOtp signal by hand
  --deadline <d>       every refund must be terminal this long after the first start
                       (default 3 s per refund, at least 160 s: "10m", "90s", or ms); the operator
                       stops acting 100 s (RECOVERY_MS in scripts/chaos/plans.ts) before it
  --seed <n>           replays a run's refund plans and operator actions (default: random, printed)
  --keep-logs          keep the worker and server logs (their directory is printed)

Exit code: 0 when every check holds, 1 on any violation, 2 when the run could not be carried out,
130 when interrupted (every process is stopped and the logs removed all the same).`;

export type ChaosOptions = NonNullable<ReturnType<typeof parseOptions>>;

const FLAGS = {
  ...valueFlags('refunds', 'concurrency', 'workers', 'act-every', 'deadline', 'seed'),
  'keep-logs': { type: 'boolean', default: false },
} as const;

/** Parses argv; `undefined` when only --help was asked for. */
export function parseOptions(argv: string[]) {
  return parseFlags(argv, USAGE, FLAGS, (values) => {
    const refunds = integer('--refunds', values.refunds, 200);
    // At least the operator's recovery window and another of the refund call's longest retry intervals
    // (1 min): a refund call whose inquiries Eko resets waits that long by design (seed 811608262 missed 90 s).
    const deadlineMs =
      values.deadline === undefined ? Math.max(RECOVERY_MS + 60_000, refunds * 3_000) : toMs(values.deadline);
    if (!(deadlineMs > 0)) throw new Error('--deadline must be a duration such as "10m", "90s" or milliseconds');
    return {
      refunds,
      concurrency: integer('--concurrency', values.concurrency, 20),
      workers: integer('--workers', values.workers, 2),
      actEveryMs: integer('--act-every', values['act-every'], 1_000, 0),
      deadlineMs,
      seed: integer('--seed', values.seed, randomInt(1, 2 ** 31 - 1), 0),
      keepLogs: values['keep-logs'],
    };
  });
}
