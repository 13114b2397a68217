import { z } from 'zod';
import { toDecimalString } from './money';

// Eko's samples send codes both as numbers and as numeric strings ("0" for tx_status in inquiries).
const code = z.union([
  z.number().int(),
  z
    .string()
    .regex(/^\s*-?\d+\s*$/)
    .transform(Number),
]);

const text = z.union([z.string(), z.number()]).transform(String);

const amount = z.union([z.string(), z.number()]).transform((value, ctx) => {
  try {
    return toDecimalString(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: `not a decimal amount: ${JSON.stringify(value)}` });
    return z.NEVER;
  }
});

/** The envelope every Eko v3 answer is meant to carry. Any field may be missing on error bodies. */
export const ekoEnvelopeSchema = z.looseObject({
  status: code.optional(),
  message: z.string().optional(),
  response_status_id: code.optional(),
  response_type_id: code.optional(),
  data: z.record(z.string(), z.unknown()).nullish(),
  tx_status: code.optional(),
  txstatus_desc: z.string().optional(),
});
export type EkoEnvelope = z.infer<typeof ekoEnvelopeSchema>;

export const refundDataSchema = z.looseObject({
  refund_tid: text.optional(),
  tid: text.optional(),
  amount: amount.optional(),
  refunded_amount: amount.optional(),
  fee: amount.optional(),
  tds: amount.optional(),
  commission_reverse: amount.optional(),
  balance: amount.optional(),
  currency: z.string().optional(),
  timestamp: z.string().optional(),
  tx_status: code.optional(),
  txstatus_desc: z.string().optional(),
});

export const inquiryDataSchema = z.looseObject({
  tx_status: code,
  txstatus_desc: z.string().optional(),
  tid: text.optional(),
  amount: amount.optional(),
  fee: amount.optional(),
});

export const otpDataSchema = z.looseObject({
  otp_ref_id: text.optional(),
});
