// The flags of `npm run chaos`.
import { randomInt } from 'node:crypto';
import { parseArgs } from 'node:util';
import { msToNumber } from '@temporalio/common/lib/time';

export const USAGE = `npm run chaos -- [options]
  --refunds <n>        refunds to run (default 200)
  --concurrency <n>    refunds being driven at once, from start to past the OTP (default 20)
  --workers <n>        refund worker processes kept running (default 2)
  --kill-every <ms>    SIGKILL a random worker about this often, ± 50 % (default 5000; 0: never)
  --deadline <d>       every refund must be terminal this long after the first start
                       (default 3 s per refund, at least 90 s: "10m", "90s", or ms)
  --seed <n>           replays a run's refund plans and kill schedule (default: random, printed)
  --keep-logs          keep the worker and server logs (their directory is printed)

Exit code: 0 when every check holds, 1 on any violation, 2 when the run could not be carried out,
130 when interrupted (every process is stopped and the logs removed all the same).`;

export interface ChaosOptions {
  refunds: number;
  concurrency: number;
  workers: number;
  killEveryMs: number;
  deadlineMs: number;
  seed: number;
  keepLogs: boolean;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Parses argv; `undefined` when only --help was asked for. */
export function parseOptions(argv: string[]): ChaosOptions | undefined {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        refunds: { type: 'string' },
        concurrency: { type: 'string' },
        workers: { type: 'string' },
        'kill-every': { type: 'string' },
        deadline: { type: 'string' },
        seed: { type: 'string' },
        'keep-logs': { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) return undefined;
  const refunds = integer('--refunds', values.refunds, 200, 1);
  return {
    refunds,
    concurrency: integer('--concurrency', values.concurrency, 20, 1),
    workers: integer('--workers', values.workers, 2, 1),
    killEveryMs: integer('--kill-every', values['kill-every'], 5_000, 0),
    deadlineMs: duration('--deadline', values.deadline, Math.max(90_000, refunds * 3_000)),
    seed: integer('--seed', values.seed, randomInt(1, 2 ** 31 - 1), 0),
    keepLogs: values['keep-logs'],
  };
}

function integer(flag: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`${flag} must be an integer of at least ${min}`);
  return n;
}

function duration(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  let ms: number;
  try {
    ms = msToNumber(value as Parameters<typeof msToNumber>[0]);
  } catch {
    ms = NaN;
  }
  if (!(ms > 0)) throw new UsageError(`${flag} must be a duration such as "10m", "90s" or milliseconds`);
  return ms;
}
