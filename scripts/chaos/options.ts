// The flags of `npm run chaos`.
import { randomInt } from 'node:crypto';
import { Command, InvalidArgumentError } from 'commander';
import { toMs } from '../../src/contract';
import { integer, parseFlags } from '../lib/args';
import { RECOVERY_MS } from './plans';

const EXIT_CODES = `
Exit code: 0 when every check holds, 1 on any violation, 2 when the run could not be carried out,
130 when interrupted (every process is stopped and the logs removed all the same).`;

/** The flags as commander reads them: those whose default is computed are left unset. */
export interface ChaosFlags {
  refunds: number;
  concurrency: number;
  workers: number;
  actEvery: number;
  deadline?: number;
  seed?: number;
  keepLogs?: true;
}

/** `--deadline`: a duration ("10m", "90s") or milliseconds, in milliseconds. */
function deadline(value: string): number {
  const ms = toMs(value);
  if (!(ms > 0)) throw new InvalidArgumentError('Must be a positive duration such as "10m", "90s" or milliseconds.');
  return ms;
}

export function chaosProgram(name = 'npm run chaos --'): Command {
  return new Command(name)
    .usage('[options]')
    .description(
      "the money-safety chaos run: refunds of random scenarios while an operator acts, checked against Eko's books",
    )
    .option('--refunds <n>', 'refunds to run', integer(), 200)
    .option('--concurrency <n>', 'refunds being driven at once, from start to past the OTP', integer(), 20)
    .option('--workers <n>', 'refund worker processes kept running', integer(), 2)
    .option(
      '--act-every <ms>',
      'one operator action about this often, ± 50 % (0: never), drawn by weight from OPERATOR_ACTIONS in ' +
        'scripts/chaos/operator.ts: SIGKILL a worker; on a random refund, a Temporal cancel (CLI or ' +
        'handle.cancel()), a reset to an earlier workflow task (an ended refund too), a malformed otp signal ' +
        'or a resendOtp signal by hand',
      integer(0),
      1_000,
    )
    .option(
      '--deadline <d>',
      'every refund must be terminal this long after the first start (default 3 s per refund, at least 210 s: ' +
        '"10m", "90s", or ms); the operator stops acting 150 s (RECOVERY_MS in scripts/chaos/plans.ts) before it',
      deadline,
    )
    .option('--seed <n>', "replays a run's refund plans and operator actions (default: random, printed)", integer(0))
    .option('--keep-logs', 'keep the worker and server logs (their directory is printed)')
    .addHelpText('after', EXIT_CODES);
}

export type ChaosOptions = ReturnType<typeof optionsFrom>;

/** Parses argv; `undefined` when only --help was asked for (commander printed it). */
export function parseOptions(argv: readonly string[], writeOut?: (text: string) => void): ChaosOptions | undefined {
  const flags = parseFlags<ChaosFlags>(chaosProgram(), argv, writeOut);
  return flags && optionsFrom(flags);
}

/** The run's options from its flags, with the computed defaults. */
export function optionsFrom(flags: ChaosFlags) {
  return {
    refunds: flags.refunds,
    concurrency: flags.concurrency,
    workers: flags.workers,
    actEveryMs: flags.actEvery,
    // At least the operator's recovery window and another of the refund call's longest retry intervals
    // (1 min): a refund call whose inquiries Eko resets waits that long by design (seed 811608262 missed 90 s).
    deadlineMs: flags.deadline ?? Math.max(RECOVERY_MS + 60_000, flags.refunds * 3_000),
    seed: flags.seed ?? randomInt(1, 2 ** 31 - 1),
    keepLogs: flags.keepLogs === true,
  };
}
