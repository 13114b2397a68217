import type { z } from 'zod';
import {
  describeTxStatus,
  type EkoRejected,
  type EkoReply,
  type EkoRetryable,
  type InquiryAnswer,
  type OtpAnswer,
  type RefundAnswer,
  type RefundDetails,
  type RejectReason,
  TxStatus,
} from './answers';
import { type EkoEnvelope, ekoEnvelopeSchema, inquiryDataSchema, otpDataSchema, refundDataSchema } from './schemas';

/** One HTTP exchange with Eko, before anything is read from it. */
export type RawExchange =
  | { kind: 'response'; httpStatus: number; body: string }
  | { kind: 'transport_error'; timedOut: boolean; tooLarge: boolean; message: string };

const CODE_WRONG_OTP = 302;
const CODE_OTP_EXPIRED = 303;
const CODE_TID_UNKNOWN = 168;
const CODE_INSUFFICIENT_BALANCE = 347;
const CODES_CONFIGURATION = new Set([319, 346, 463, 1297]);
const RESPONSE_STATUS_BUSY = -2;
const RESPONSE_TYPE_OTP_SENT = 2133;
const RESPONSE_TYPE_INQUIRY_SUCCESS = 1472;

type Envelope = { envelope: EkoEnvelope; reply: EkoReply };

/** Reads the envelope, or says why the exchange must be retried. */
function readEnvelope(exchange: RawExchange): Envelope | EkoRetryable {
  if (exchange.kind === 'transport_error') {
    if (exchange.tooLarge) return { kind: 'retryable', reason: 'bad_response', message: exchange.message };
    return { kind: 'retryable', reason: exchange.timedOut ? 'timeout' : 'transport', message: exchange.message };
  }
  const { httpStatus, body } = exchange;
  const json = parseJson(body);
  const envelope = json === undefined ? undefined : ekoEnvelopeSchema.safeParse(json);
  const ekoMessage = envelope?.success ? envelope.data.message : undefined;
  const describe = (what: string) => (ekoMessage ? `${what}: ${ekoMessage}` : what);

  if (httpStatus === 403) {
    return {
      kind: 'retryable',
      reason: 'forbidden',
      httpStatus,
      message: describe('Eko answered HTTP 403: check EKO_DEVELOPER_KEY, EKO_ACCESS_KEY and the clock'),
    };
  }
  if (httpStatus >= 500) {
    return {
      kind: 'retryable',
      reason: 'server_error',
      httpStatus,
      message: describe(`Eko answered HTTP ${httpStatus}`),
    };
  }
  if (httpStatus !== 200) {
    return {
      kind: 'retryable',
      reason: 'client_error',
      httpStatus,
      message: describe(`Eko answered HTTP ${httpStatus}: check EKO_BASE_URL`),
    };
  }
  if (json === undefined) {
    return {
      kind: 'retryable',
      reason: 'bad_response',
      httpStatus,
      message: 'Eko answered with a body that is not JSON',
    };
  }
  if (!envelope?.success) {
    const isObject = typeof json === 'object' && json !== null && !Array.isArray(json);
    const message = isObject
      ? `Eko answered an envelope with malformed fields: ${fieldsOf(envelope!.error)}`
      : 'Eko answered JSON that is not an object';
    return { kind: 'retryable', reason: 'bad_response', httpStatus, message };
  }
  const data = envelope.data;
  if (data.status === undefined && data.response_status_id === undefined) {
    return {
      kind: 'retryable',
      reason: 'bad_response',
      httpStatus,
      message: describe('Eko answered without a status envelope'),
    };
  }
  return {
    envelope: data,
    reply: {
      httpStatus,
      code: data.status ?? data.response_status_id,
      responseTypeId: data.response_type_id,
      message: data.message ?? '',
    },
  };
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/** Failures every endpoint shares; undefined when the answer is endpoint-specific. */
function commonFailure({ envelope, reply }: Envelope): EkoRetryable | EkoRejected | undefined {
  if (envelope.response_status_id === RESPONSE_STATUS_BUSY || reply.code === RESPONSE_STATUS_BUSY) {
    return { kind: 'retryable', reason: 'busy', ...reply, message: reply.message || 'another transaction in progress' };
  }
  if (reply.code !== undefined && CODES_CONFIGURATION.has(reply.code)) {
    return {
      kind: 'retryable',
      reason: 'config',
      ...reply,
      message: `Eko rejected the initiator or user (code ${reply.code}): check EKO_INITIATOR_ID and EKO_USER_CODE`,
    };
  }
  return undefined;
}

function isSuccess(envelope: EkoEnvelope): boolean {
  return (envelope.status ?? envelope.response_status_id) === 0;
}

// "Already refunded" and "not refundable" have no confirmed code: Eko's samples only use messages.
function rejectReason(reply: EkoReply): RejectReason {
  if (reply.code === CODE_TID_UNKNOWN) return 'tid_unknown';
  if (reply.code === CODE_INSUFFICIENT_BALANCE) return 'insufficient_balance';
  if (/already\s+in\s+refunded|already\s+refunded/i.test(reply.message)) return 'already_refunded';
  if (/not\s+(in\s+a\s+)?refundable/i.test(reply.message)) return 'not_refundable';
  return 'other';
}

function rejected(reply: EkoReply): EkoRejected {
  return { kind: 'rejected', reason: rejectReason(reply), ...reply };
}

function fieldsOf(error: z.ZodError): string {
  return error.issues.map((issue) => issue.path.join('.') || '(root)').join(', ');
}

function badData(reply: EkoReply, what: string, error: z.ZodError): EkoRetryable {
  return {
    kind: 'retryable',
    reason: 'bad_response',
    ...reply,
    message: `${what} has malformed fields: ${fieldsOf(error)}`,
  };
}

export function classifyRefund(exchange: RawExchange): RefundAnswer {
  const read = readEnvelope(exchange);
  if ('kind' in read) return read;
  const { envelope, reply } = read;
  if (reply.code === CODE_WRONG_OTP) return { kind: 'wrong_otp', ...reply };
  if (reply.code === CODE_OTP_EXPIRED) return { kind: 'otp_expired', ...reply };
  const failure = commonFailure(read);
  if (failure) return failure;
  if (!isSuccess(envelope)) return rejected(reply);

  const parsed = refundDataSchema.safeParse(envelope.data ?? {});
  if (!parsed.success) return badData(reply, 'Eko refund answer', parsed.error);
  const d = parsed.data;
  const refund: RefundDetails = {
    refundTid: d.refund_tid,
    tid: d.tid,
    amount: d.amount,
    refundedAmount: d.refunded_amount,
    fee: d.fee,
    tds: d.tds,
    commissionReverse: d.commission_reverse,
    balance: d.balance,
    currency: d.currency,
    timestamp: d.timestamp,
  };
  // "Refund done" usually carries no tx_status; when it does, anything but 4 still has to be inquired.
  const txStatus = d.tx_status ?? envelope.tx_status;
  if (txStatus === undefined || txStatus === TxStatus.Refunded) return { kind: 'refunded', refund, ...reply };
  return {
    kind: 'pending',
    txStatus,
    txStatusDesc: d.txstatus_desc ?? envelope.txstatus_desc ?? describeTxStatus(txStatus),
    refund,
    ...reply,
  };
}

export function classifyOtp(exchange: RawExchange): OtpAnswer {
  const read = readEnvelope(exchange);
  if ('kind' in read) return read;
  const { envelope, reply } = read;
  const parsed = otpDataSchema.safeParse(envelope.data ?? {});
  const otpRefId = parsed.success ? parsed.data.otp_ref_id : undefined;
  // Eko reports this success as `status: 2133, response_status_id: 1`: trust the otp_ref_id or the type.
  if (
    otpRefId !== undefined ||
    reply.responseTypeId === RESPONSE_TYPE_OTP_SENT ||
    reply.code === RESPONSE_TYPE_OTP_SENT
  ) {
    return { kind: 'otp_sent', otpRefId, ...reply };
  }
  return commonFailure(read) ?? rejected(reply);
}

export function classifyInquiry(exchange: RawExchange): InquiryAnswer {
  const read = readEnvelope(exchange);
  if ('kind' in read) return read;
  const { envelope, reply } = read;
  const failure = commonFailure(read);
  if (failure) return failure;
  const succeeded =
    isSuccess(envelope) || envelope.response_status_id === -1 || reply.responseTypeId === RESPONSE_TYPE_INQUIRY_SUCCESS;
  if (!succeeded) return rejected(reply);

  // Inquiries put tx_status inside `data` (as a string), other answers at the top level.
  const parsed = inquiryDataSchema.safeParse({ tx_status: envelope.tx_status, ...envelope.data });
  if (!parsed.success) return badData(reply, 'Eko inquiry answer', parsed.error);
  const d = parsed.data;
  return {
    kind: 'transaction',
    txStatus: d.tx_status,
    txStatusDesc: d.txstatus_desc ?? envelope.txstatus_desc ?? describeTxStatus(d.tx_status),
    amount: d.amount,
    fee: d.fee,
    ...reply,
  };
}
