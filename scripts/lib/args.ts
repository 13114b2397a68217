// The flags of the benchmark, the chaos run and the memory profile, on commander as the CLI's
// (src/cli/program.ts): commander writes --help and names the flag a bad value came with; the
// parsers below check the values.
import { type Command, CommanderError, InvalidArgumentError } from 'commander';
import { DURATION_MESSAGE, DURATIONS, durationRangeMessage, type DurationField, toMs } from '../../src/contract';
import { RunError } from '../../tools/resources';

/** A bad flag: commander's message, then the help. Printed without a stack trace. */
export class UsageError extends RunError {}

/** A whole number of at least `min` (`--refunds 500`). */
export function integer(min = 1): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`Must be an integer of at least ${min}.`);
    return n;
  };
}

/** Increasing whole numbers of at least `min`, comma-separated (`--parked 1000,5000`). */
export function increasing(min = 1): (value: string) => number[] {
  const count = integer(min);
  return (value) => {
    const counts = value.split(',').map((part) => count(part.trim()));
    if (counts.some((n, i) => i > 0 && n <= counts[i - 1])) throw new InvalidArgumentError('The counts must increase.');
    return counts;
  };
}

/** A duration the refund input accepts for `field` (`--poll-interval 1s`), kept as given. */
export function refundDuration(field: DurationField): (value: string) => string {
  const { min, max } = DURATIONS[field];
  return (value) => {
    const ms = toMs(value);
    if (Number.isNaN(ms)) throw new InvalidArgumentError(sentence(DURATION_MESSAGE));
    if (ms < min || ms > max) throw new InvalidArgumentError(sentence(durationRangeMessage(min, max)));
    return value;
  };
}

/** "must be …" → "Must be ….", as commander's messages go. */
const sentence = (text: string) => `${text[0].toUpperCase()}${text.slice(1)}.`;

/**
 * Parses `argv` with `program`: its option values, or `undefined` when --help was asked for (the
 * help then went to `writeOut`). Any other failure is a UsageError: commander's message (unknown
 * option, missing or invalid value), then the help.
 */
export function parseFlags<T>(
  program: Command,
  argv: readonly string[],
  writeOut: (text: string) => void = (text) => process.stdout.write(text),
): T | undefined {
  program.exitOverride().configureOutput({ writeOut, writeErr: () => undefined, outputError: () => undefined });
  try {
    program.parse([...argv], { from: 'user' });
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    if (err.exitCode === 0) return undefined; // --help
    throw new UsageError(`${err.message.replace(/^error: /, '')}\n\n${program.helpInformation()}`);
  }
  return program.opts<T & object>();
}
