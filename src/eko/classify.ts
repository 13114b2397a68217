/** What each Eko endpoint's answer means for the refund: the rules of docs/contract/eko-api.md. */
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
import {
  CODE_BUSY,
  CODE_INSUFFICIENT_BALANCE,
  CODE_OTP_EXPIRED,
  CODE_TID_UNKNOWN,
  CODE_WRONG_OTP,
  CODES_CONFIGURATION,
  isKnownCode,
  RESPONSE_TYPE_INQUIRY_SUCCESS,
  RESPONSE_TYPE_OTP_SENT,
  stateUnderWay,
} from './codes';
import {
  type CallContext,
  dataFieldNames,
  type Envelope,
  type RawExchange,
  readEnvelope,
  withIgnored,
} from './envelope';
import {
  type FieldValues,
  inquiryDataFields,
  otpDataFields,
  readFields,
  refundDataFields,
  txStatusField,
} from './schemas';

export type { CallContext, RawExchange } from './envelope';

/** Failures every endpoint shares; undefined when the answer is endpoint-specific. */
function commonFailure(reply: EkoReply): EkoRetryable | undefined {
  if (reply.code === CODE_BUSY) {
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

// "Already refunded", "not refundable" and an unknown reference have no confirmed code: Eko's
// samples only use messages. The caller confirms such refusals by inquiry where money is at stake.
function rejectReason(reply: EkoReply): RejectReason {
  if (reply.code === CODE_TID_UNKNOWN) return 'tid_unknown';
  if (reply.code === CODE_INSUFFICIENT_BALANCE) return 'insufficient_balance';
  if (/already\s+(in\s+)?refunded/i.test(reply.message)) return 'already_refunded';
  if (/not\s+(in\s+a\s+)?refundable/i.test(reply.message)) return 'not_refundable';
  if (
    /invalid\s+reference|tid\s+does\s+not\s+exist|transaction\s+(does\s+not\s+exist|not\s+found)/i.test(reply.message)
  ) {
    return 'tid_unknown';
  }
  return 'other';
}

function rejected(reply: EkoReply): EkoRejected {
  return { kind: 'rejected', reason: rejectReason(reply), ...reply };
}

function badData(reply: EkoReply, what: string, fields: string[]): EkoRetryable {
  return {
    kind: 'retryable',
    reason: 'bad_response',
    ...reply,
    message: `${what} has malformed fields: ${fields.join(', ')}`,
  };
}

/**
 * tx_status, strictly: a present value that cannot be read spoils the answer. `data` is where
 * inquiries put it (as a string); the top level is where other answers do.
 */
function readTxStatus(envelope: Envelope): { txStatus?: number } | { malformed: string } {
  const inData = readFields(envelope.data, txStatusField);
  if (inData.unreadable.length > 0) return { malformed: 'data.tx_status' };
  return { txStatus: inData.values.tx_status ?? envelope.txStatus };
}

export function classifyRefund(exchange: RawExchange, call: CallContext = {}): RefundAnswer {
  const read = readEnvelope(exchange, call);
  if ('kind' in read) return read;
  const { envelope } = read;
  if (read.reply.code === CODE_WRONG_OTP) return { kind: 'wrong_otp', ...read.reply };
  if (read.reply.code === CODE_OTP_EXPIRED) return { kind: 'otp_expired', ...read.reply };
  const failure = commonFailure(read.reply);
  if (failure) return failure;
  if (isKnownCode(read.reply.code)) return rejected(read.reply);

  const tx = readTxStatus(envelope);
  if ('malformed' in tx) return badData(read.reply, 'Eko refund answer', [tx.malformed]);
  const fields = readFields(envelope.data, refundDataFields);
  const reply = withIgnored(read.reply, dataFieldNames(fields.unreadable));
  const refund = refundDetails(fields.values);

  if (isSuccess(envelope, [0])) {
    // "Refund done" usually carries no tx_status; when it does, anything but 4 still has to be inquired.
    if (tx.txStatus === undefined || tx.txStatus === TxStatus.Refunded) return { kind: 'refunded', refund, ...reply };
    const txStatusDesc = envelope.txStatusDesc ?? describeTxStatus(tx.txStatus);
    return { kind: 'pending', txStatus: tx.txStatus, txStatusDesc, refund, ...reply };
  }
  // A refusal that names a state in which the refund may be under way (or done) is not an answer:
  // the caller confirms it by inquiry. The state wins over the words of the message.
  const underWay = stateUnderWay(tx.txStatus, envelope.responseStatusId);
  if (underWay) {
    const txStatusDesc = envelope.txStatusDesc ?? underWay.txStatusDesc ?? describeTxStatus(underWay.txStatus);
    return { kind: 'pending', txStatus: underWay.txStatus, txStatusDesc, refund, ...reply };
  }
  return rejected(reply);
}

function refundDetails(d: FieldValues<typeof refundDataFields>): RefundDetails {
  return {
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
}

export function classifyOtp(exchange: RawExchange, call: CallContext = {}): OtpAnswer {
  const read = readEnvelope(exchange, call);
  if ('kind' in read) return read;
  const fields = readFields(read.envelope.data, otpDataFields);
  const reply = withIgnored(read.reply, dataFieldNames(fields.unreadable));
  const failure = commonFailure(reply);
  if (failure) return failure;
  if (isKnownCode(reply.code)) return rejected(reply);
  const otpRefId = fields.values.otp_ref_id;
  // Eko reports this success as `status: 2133, response_status_id: 1`: trust the otp_ref_id or the type.
  if (
    otpRefId !== undefined ||
    reply.responseTypeId === RESPONSE_TYPE_OTP_SENT ||
    reply.code === RESPONSE_TYPE_OTP_SENT
  ) {
    return { kind: 'otp_sent', otpRefId, ...reply };
  }
  // Also the answer for a transaction no longer Refund Pending: the caller inquires to learn why.
  return rejected(reply);
}

export function classifyInquiry(exchange: RawExchange, call: CallContext = {}): InquiryAnswer {
  const read = readEnvelope(exchange, call);
  if ('kind' in read) return read;
  const { envelope } = read;
  const failure = commonFailure(read.reply);
  if (failure) return failure;
  if (isKnownCode(read.reply.code)) return rejected(read.reply);

  const tx = readTxStatus(envelope);
  if ('malformed' in tx) return badData(read.reply, 'Eko inquiry answer', [tx.malformed]);
  // Eko's failure sample is `status 1, response_status_id -1` ("Invalid reference_id"): -1 means a
  // read-only success only when no status says otherwise.
  const succeeded =
    isSuccess(envelope, [0, -1]) ||
    (envelope.responseTypeId === RESPONSE_TYPE_INQUIRY_SUCCESS && tx.txStatus !== undefined);
  if (!succeeded) return rejected(read.reply);
  if (tx.txStatus === undefined) return badData(read.reply, 'Eko inquiry answer', ['tx_status']);

  const fields = readFields(envelope.data, inquiryDataFields);
  const d = fields.values;
  return {
    kind: 'transaction',
    txStatus: tx.txStatus,
    txStatusDesc: envelope.txStatusDesc ?? describeTxStatus(tx.txStatus),
    amount: d.amount,
    fee: d.fee,
    ...withIgnored(read.reply, dataFieldNames(fields.unreadable)),
  };
}

/** `status` 0; or, when Eko sent no status, a response_status_id that means success for this call. */
function isSuccess(envelope: Envelope, successResponseStatus: number[]): boolean {
  if (envelope.status !== undefined) return envelope.status === 0;
  return envelope.responseStatusId !== undefined && successResponseStatus.includes(envelope.responseStatusId);
}
