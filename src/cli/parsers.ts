/** Option values that are numbers or names, parsed once, here; the contract's schemas judge the rest. */
import { InvalidArgumentError } from 'commander';
import { ALL_PHASES, type Phase, tidSchema } from '../contract';

/** A count such as --max-resends: the schema checks its range. */
export function wholeNumber(value: string): number {
  if (!/^\d{1,9}$/.test(value)) throw new InvalidArgumentError('Must be a whole number.');
  return Number(value);
}

/** --limit of list. */
export function atLeastOne(value: string): number {
  const count = wholeNumber(value);
  if (count < 1) throw new InvalidArgumentError('Must be at least 1.');
  return count;
}

/** --interval of watch: seconds, fractions allowed, in milliseconds. */
export function intervalSeconds(value: string): number {
  const seconds = Number(value);
  if (!(seconds >= 0.1 && seconds <= 3600)) throw new InvalidArgumentError('Must be 0.1 to 3600 seconds.');
  return seconds * 1000;
}

/** --phase of list: any case. */
export function phase(value: string): Phase {
  const upper = value.toUpperCase() as Phase;
  if (!ALL_PHASES.includes(upper)) throw new InvalidArgumentError(`Must be one of ${ALL_PHASES.join(', ')}.`);
  return upper;
}

/** `<tid>`: checked before connecting, so that a typo exits 2 even when Temporal is down. */
export function tid(value: string): string {
  const parsed = tidSchema.safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError(sentence(parsed.error.issues[0].message));
  return parsed.data;
}

const sentence = (message: string) => `${message}.`;

/** Options not given are left out, so that the contract's defaults apply. */
export function definedOnly<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
