import { z } from 'zod';
import { toDecimalString } from './money';

// Eko's samples send codes both as numbers and as numeric strings ("0" for tx_status in inquiries).
const code = z.union([
  z.number().int(),
  z
    .string()
    .regex(/^\s*-?\d{1,15}\s*$/)
    .transform(Number),
]);

const text = z.union([z.string(), z.number()]).transform(String);

const amount = z.union([z.string(), z.number()]).transform((value, ctx) => {
  try {
    return toDecimalString(value);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: err instanceof Error ? err.message : 'not a decimal amount' });
    return z.NEVER;
  }
});

const record = z.record(z.string(), z.unknown());

/** The codes of the envelope. They decide money: a present code must be readable. */
export const envelopeCodes = {
  status: code,
  response_status_id: code,
  response_type_id: code,
  tx_status: code,
};

/** The rest of the envelope: an unreadable value is dropped and named, never the whole answer. */
export const envelopeNotes = {
  message: text,
  txstatus_desc: text,
  data: record,
};

export const refundDataFields = {
  refund_tid: text,
  tid: text,
  amount,
  refunded_amount: amount,
  fee: amount,
  tds: amount,
  commission_reverse: amount,
  balance: amount,
  currency: text,
  timestamp: text,
};

export const inquiryDataFields = {
  tid: text,
  amount,
  fee: amount,
};

export const otpDataFields = {
  otp_ref_id: text,
};

/** Inquiries put the description of tx_status inside `data`, other answers at the top level. */
export const dataNotes = {
  txstatus_desc: text,
};

/** tx_status sits inside `data` in inquiries and at the top level elsewhere; read on its own, strictly. */
export const txStatusField = { tx_status: code };

type Shape = Record<string, z.ZodType>;
export type FieldValues<S extends Shape> = { [K in keyof S]?: z.output<S[K]> };

/**
 * Reads each field of `shape` from `source` on its own. Eko writes "" (and sometimes null) for a
 * value it does not know: both mean absent. A value that does not parse is left out and its name
 * returned, so that the caller decides whether that spoils the answer (a code) or not (a note).
 */
export function readFields<S extends Shape>(
  source: Readonly<Record<string, unknown>>,
  shape: S,
): { values: FieldValues<S>; unreadable: (keyof S & string)[] } {
  const values: FieldValues<S> = {};
  const unreadable: (keyof S & string)[] = [];
  for (const name of Object.keys(shape) as (keyof S & string)[]) {
    const raw = source[name];
    if (isBlank(raw)) continue;
    const parsed = shape[name].safeParse(raw);
    if (parsed.success) values[name] = parsed.data as z.output<S[typeof name]>;
    else unreadable.push(name);
  }
  return { values, unreadable };
}

function isBlank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
