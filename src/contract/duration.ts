/** The one duration parser: Temporal's duration strings ("30s", "15 minutes", "24 hours") or milliseconds. */
import ms, { type StringValue } from 'ms';

export type Duration = StringValue | number;

/** Milliseconds, or NaN when the value is not a duration. */
export function toMs(value: unknown): number {
  if (typeof value === 'number') return Number.isFinite(value) ? value : Number.NaN;
  if (typeof value !== 'string' || value.trim() === '' || value.length > 100) return Number.NaN;
  try {
    return ms(value.trim() as StringValue);
  } catch {
    return Number.NaN;
  }
}

/** "90000" → "1.5m": for messages. */
export const formatMs = (millis: number): string => ms(millis, { long: true });
