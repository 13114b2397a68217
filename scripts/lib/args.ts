// Flags of the benchmark and the chaos run: what node:util's parseArgs does not check.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { RunError } from '../../tools/resources';

/** A bad flag: the message names it (parseFlags adds the usage text). */
export class UsageError extends RunError {}

/** The flag's whole number, at least `min`; `fallback` when it is absent. */
export function integer<T extends number | undefined>(
  flag: string,
  value: string | undefined,
  fallback: T,
  min = 1,
): number | T {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`${flag} must be an integer of at least ${min}`);
  return n;
}

type FlagOptions = NonNullable<ParseArgsConfig['options']>;
type FlagValues<O extends FlagOptions> = ReturnType<typeof parseArgs<{ args: string[]; options: O }>>['values'];

/**
 * node:util's parseArgs with a `--help` flag, then `interpret` on the values; `undefined` when only
 * --help was asked for. Any failure, parseArgs's own included, becomes a UsageError showing `usage`.
 */
export function parseFlags<O extends FlagOptions, T>(
  argv: string[],
  usage: string,
  options: O,
  interpret: (values: FlagValues<O>) => T,
): T | undefined {
  try {
    const { values } = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean' } } }) as {
      values: FlagValues<O> & { help?: boolean };
    };
    return values.help ? undefined : interpret(values);
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n\n${usage}`);
  }
}

/** parseArgs options for flags that take a value, by name. */
export function valueFlags<Name extends string>(...names: Name[]): Record<Name, { type: 'string' }> {
  return Object.fromEntries(names.map((name) => [name, { type: 'string' }])) as Record<Name, { type: 'string' }>;
}
