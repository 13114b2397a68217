/**
 * The one duration parser: Temporal's duration strings ("30s", "15 minutes", "24 hours") or
 * milliseconds. Workflow code parses with it too: `ms` is pinned to one exact version (a parse that
 * changed would change a replay), and it uses nothing of Node.
 */
import type { StringValue } from '@temporalio/common';
import ms from 'ms';

/** What Temporal's own options take as a duration (the same `ms` strings), or milliseconds. */
export type Duration = StringValue | number;

/** Milliseconds, or NaN when the value is not a duration. */
export function toMs(value: unknown): number {
  if (typeof value === 'number') return Number.isFinite(value) ? value : Number.NaN;
  if (typeof value !== 'string' || value.trim() === '' || value.length > 100) return Number.NaN;
  // ms@2 answers undefined for what it cannot read (its types say number).
  const parsed: number | undefined = ms(value.trim() as StringValue);
  return parsed ?? Number.NaN;
}

/** 90000 → "2 minutes": for messages. */
export const formatMs = (millis: number): string => ms(millis, { long: true });
