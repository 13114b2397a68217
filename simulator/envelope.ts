import type { AmountField, Dialect, SimTransaction } from './model';

/** An HTTP answer, built before it is sent so that faults can replace or withhold it. */
export interface Reply {
  status: number;
  body: string;
  contentType?: string;
}

export const json = (status: number, value: unknown): Reply => ({ status, body: JSON.stringify(value) });

/** Eko's granular codes on the refund path (eko-api.md, "Error codes"). */
export const EkoCode = {
  WrongOtp: 302,
  OtpExpired: 303,
  TidUnknown: 168,
  InvalidInitiator: 319,
  UserNotFound: 463,
  InsufficientBalance: 347,
  Busy: -2,
} as const;

/** A failure with a granular code, in the dialect's field; the other field carries the coarse 1. */
export function failure(dialect: Dialect, code: number, message: string): Reply {
  const codes =
    dialect === 'status-code' ? { status: code, response_status_id: 1 } : { status: 1, response_status_id: code };
  return json(200, { ...codes, message, data: {} });
}

/**
 * A refusal without a code, as Eko's samples answer "already refunded", "not refundable" and an
 * unknown reference: `status 1, response_status_id -1` in both dialects.
 */
export const refusal = (message: string): Reply => json(200, { status: 1, response_status_id: -1, message, data: {} });

export const Refused = {
  AlreadyRefunded: 'Transaction is already in refunded state.',
  NotRefundable: 'Transaction is not in a refundable state.',
  // Eko publishes no text for this one: ours.
  OtpLimit: 'OTP request limit reached for this transaction. Please use the OTP already sent.',
} as const;

export const dialectOf = (tx: SimTransaction | undefined, fallback: Dialect): Dialect => tx?.dialect ?? fallback;

/** The amounts of an answer, with those the transaction's seed blanks as `""` or `null`. */
export function amounts(
  tx: SimTransaction,
  values: Partial<Record<AmountField, string>>,
): Partial<Record<AmountField, string | null>> {
  const out: Partial<Record<AmountField, string | null>> = { ...values };
  for (const field of Object.keys(values) as AmountField[]) {
    if (tx.emptyAmounts.includes(field)) out[field] = '';
    if (tx.nullAmounts.includes(field)) out[field] = null;
  }
  return out;
}

/** Adds two non-negative decimal strings exactly, in paise. */
export function addMoney(a: string, b: string): string {
  const paise = (value: string) => {
    const [whole, fraction = ''] = value.split('.');
    return BigInt(whole || '0') * 100n + BigInt(fraction.padEnd(2, '0').slice(0, 2));
  };
  const total = paise(a) + paise(b);
  return `${total / 100n}.${String(total % 100n).padStart(2, '0')}`;
}
