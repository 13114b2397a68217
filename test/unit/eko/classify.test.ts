import { classifyInquiry, classifyOtp, classifyRefund, type RawExchange } from '../../../src/eko/classify';

const ok = (body: unknown): RawExchange => ({ kind: 'response', httpStatus: 200, body: JSON.stringify(body) });
const http = (httpStatus: number, body = ''): RawExchange => ({ kind: 'response', httpStatus, body });
const failure = (status: number, message: string) =>
  ok({ status, response_status_id: 1, response_type_id: -1, message, data: {} });

// Eko's published sample success of Initiate Refund.
const REFUND_DONE_SAMPLE = {
  status: 0,
  response_status_id: 0,
  response_type_id: 74,
  message: 'Refund done',
  data: {
    refund_tid: '2147591637',
    tid: '13192443',
    amount: '5000.00',
    refunded_amount: '5050.00',
    fee: '50.0',
    tds: '7.1',
    commission_reverse: '28.38',
    balance: '2.22263731286E9',
    currency: 'INR',
    timestamp: '2018-10-30T12:00:14.058Z',
  },
};

describe('classifyRefund', () => {
  it("reads Eko's published 'Refund done' sample as refunded, with money as decimal strings", () => {
    expect(classifyRefund(ok(REFUND_DONE_SAMPLE))).toEqual({
      kind: 'refunded',
      httpStatus: 200,
      code: 0,
      responseTypeId: 74,
      message: 'Refund done',
      refund: {
        refundTid: '2147591637',
        tid: '13192443',
        amount: '5000.00',
        refundedAmount: '5050.00',
        fee: '50.0',
        tds: '7.1',
        commissionReverse: '28.38',
        balance: '2222637312.86',
        currency: 'INR',
        timestamp: '2018-10-30T12:00:14.058Z',
      },
    });
  });

  it.each([
    [2, 'Initiated / Response Awaited'],
    [3, 'Refund Pending'],
    [5, 'On Hold'],
    [9, 'Unknown (9), treated as initiated'],
  ])('reads a success carrying tx_status %p as pending (%s)', (txStatus, desc) => {
    const body = { ...REFUND_DONE_SAMPLE, data: { ...REFUND_DONE_SAMPLE.data, tx_status: String(txStatus) } };
    expect(classifyRefund(ok(body))).toMatchObject({ kind: 'pending', txStatus, txStatusDesc: desc });
  });

  it('reads a success carrying tx_status 4 as refunded', () => {
    expect(classifyRefund(ok({ ...REFUND_DONE_SAMPLE, tx_status: 4 }))).toMatchObject({ kind: 'refunded' });
  });

  it('reads status 302 as a wrong OTP', () => {
    expect(classifyRefund(failure(302, 'Wrong OTP'))).toMatchObject({ kind: 'wrong_otp', code: 302 });
  });

  it('reads status 303 as an expired OTP', () => {
    expect(classifyRefund(failure(303, 'OTP expired'))).toMatchObject({ kind: 'otp_expired', code: 303 });
  });

  it('reads the granular code from response_status_id when status is missing', () => {
    expect(classifyRefund(ok({ response_status_id: 302, message: 'Wrong OTP' }))).toMatchObject({ kind: 'wrong_otp' });
  });

  it.each([
    [168, 'TID does not exist', 'tid_unknown'],
    [347, 'Insufficient balance', 'insufficient_balance'],
    [1, 'Transaction is already in refunded state.', 'already_refunded'],
    [1, 'Transaction is not in a refundable state.', 'not_refundable'],
    [999, 'Something else', 'other'],
  ])('reads status %p "%s" as rejected (%s) with the code and message', (status, message, reason) => {
    expect(classifyRefund(failure(status, message))).toEqual({
      kind: 'rejected',
      reason,
      httpStatus: 200,
      code: status,
      responseTypeId: -1,
      message,
    });
  });

  it.each([319, 346, 463, 1297])('reads configuration error %p as retryable config', (status) => {
    const answer = classifyRefund(failure(status, 'Invalid initiator'));
    expect(answer).toMatchObject({ kind: 'retryable', reason: 'config', code: status });
    expect(answer.message).toContain('EKO_INITIATOR_ID');
  });

  it('reads response_status_id -2 as retryable busy (another transaction in progress)', () => {
    expect(classifyRefund(ok({ status: 1, response_status_id: -2, message: 'Another txn in progress' }))).toMatchObject(
      {
        kind: 'retryable',
        reason: 'busy',
      },
    );
  });

  it.each([
    [403, 'forbidden', 'EKO_ACCESS_KEY'],
    [404, 'client_error', 'EKO_BASE_URL'],
    [405, 'client_error', 'EKO_BASE_URL'],
    [415, 'client_error', 'EKO_BASE_URL'],
    [500, 'server_error', 'HTTP 500'],
    [502, 'server_error', 'HTTP 502'],
  ])('reads HTTP %p as retryable %s, saying what to check', (status, reason, hint) => {
    const answer = classifyRefund(http(status, 'Forbidden'));
    expect(answer).toMatchObject({ kind: 'retryable', reason, httpStatus: status });
    expect(answer.message).toContain(hint);
  });

  it('reads a non-JSON body as retryable bad_response', () => {
    expect(classifyRefund(http(200, '<html>oops</html>'))).toEqual({
      kind: 'retryable',
      reason: 'bad_response',
      httpStatus: 200,
      message: 'Eko answered with a body that is not JSON',
    });
  });

  it('reads an envelope-less body as retryable bad_response, keeping its message', () => {
    const answer = classifyRefund(ok({ message: 'No key for Response' }));
    expect(answer).toMatchObject({ kind: 'retryable', reason: 'bad_response' });
    expect(answer.message).toBe('Eko answered without a status envelope: No key for Response');
  });

  it('reads JSON that is not an object as retryable bad_response', () => {
    expect(classifyRefund(ok([1, 2]))).toMatchObject({ kind: 'retryable', reason: 'bad_response' });
  });

  it('reads an envelope with wrongly typed fields as retryable bad_response naming them', () => {
    expect(classifyRefund(ok({ status: 'ok', message: 5 }))).toEqual({
      kind: 'retryable',
      reason: 'bad_response',
      httpStatus: 200,
      message: 'Eko answered an envelope with malformed fields: status, message',
    });
  });

  it('reads malformed refund data as retryable bad_response naming the field', () => {
    const body = { ...REFUND_DONE_SAMPLE, data: { ...REFUND_DONE_SAMPLE.data, amount: 'lots' } };
    expect(classifyRefund(ok(body))).toMatchObject({
      kind: 'retryable',
      reason: 'bad_response',
      message: 'Eko refund answer has malformed fields: amount',
    });
  });

  it('reads a timeout as retryable timeout, never as a failure', () => {
    const exchange: RawExchange = { kind: 'transport_error', timedOut: true, tooLarge: false, message: 'slow' };
    expect(classifyRefund(exchange)).toEqual({ kind: 'retryable', reason: 'timeout', message: 'slow' });
  });

  it('reads a connection error as retryable transport', () => {
    const exchange: RawExchange = { kind: 'transport_error', timedOut: false, tooLarge: false, message: 'reset' };
    expect(classifyRefund(exchange)).toEqual({ kind: 'retryable', reason: 'transport', message: 'reset' });
  });

  it('reads an oversized body as retryable bad_response', () => {
    const exchange: RawExchange = { kind: 'transport_error', timedOut: false, tooLarge: true, message: 'big' };
    expect(classifyRefund(exchange)).toMatchObject({ kind: 'retryable', reason: 'bad_response' });
  });
});

describe('classifyOtp', () => {
  it("reads Eko's quirky success (status 2133, response_status_id 1, otp_ref_id) as otp_sent", () => {
    const body = { status: 2133, response_status_id: 1, message: 'OTP sent', data: { otp_ref_id: 'ref-1' } };
    expect(classifyOtp(ok(body))).toMatchObject({ kind: 'otp_sent', otpRefId: 'ref-1' });
  });

  it('reads response_type_id 2133 without otp_ref_id as otp_sent', () => {
    expect(classifyOtp(ok({ status: 0, response_type_id: 2133, message: 'OTP sent' }))).toMatchObject({
      kind: 'otp_sent',
      otpRefId: undefined,
    });
  });

  it('reads a refusal as rejected', () => {
    expect(classifyOtp(failure(1, 'Transaction is not in a refundable state.'))).toMatchObject({
      kind: 'rejected',
      reason: 'not_refundable',
    });
  });

  it('reads a configuration error as retryable config', () => {
    expect(classifyOtp(failure(319, 'Invalid initiator'))).toMatchObject({ kind: 'retryable', reason: 'config' });
  });
});

describe('classifyInquiry', () => {
  it("reads Eko's inquiry sample (tx_status as a string inside data)", () => {
    const body = {
      status: 0,
      response_status_id: -1,
      response_type_id: 1472,
      message: 'Transaction status',
      data: { tx_status: '0', txstatus_desc: 'Success', amount: '100.0', fee: '1.0E1' },
    };
    expect(classifyInquiry(ok(body))).toMatchObject({
      kind: 'transaction',
      txStatus: 0,
      txStatusDesc: 'Success',
      amount: '100.0',
      fee: '10',
    });
  });

  it('reads tx_status as a number at the top level', () => {
    expect(classifyInquiry(ok({ status: 0, tx_status: 4, message: 'ok', data: {} }))).toMatchObject({
      kind: 'transaction',
      txStatus: 4,
      txStatusDesc: 'Refunded',
    });
  });

  it('reads an inquiry without tx_status as retryable bad_response naming the field', () => {
    expect(classifyInquiry(ok({ status: 0, message: 'ok', data: {} }))).toMatchObject({
      kind: 'retryable',
      reason: 'bad_response',
      message: 'Eko inquiry answer has malformed fields: tx_status',
    });
  });

  it('reads 168 as rejected tid_unknown', () => {
    expect(classifyInquiry(failure(168, 'TID does not exist'))).toMatchObject({
      kind: 'rejected',
      reason: 'tid_unknown',
    });
  });

  it('reads busy as retryable', () => {
    expect(classifyInquiry(ok({ response_status_id: -2, message: 'busy' }))).toMatchObject({
      kind: 'retryable',
      reason: 'busy',
    });
  });
});
