import { classifyInquiry, classifyOtp, classifyRefund, type RawExchange } from '../../../src/eko/classify';

/**
 * Every answer shape that docs/contract/eko-api.md shows from Eko's docs and samples, through the
 * classifier of each endpoint that can return it.
 */
const ok = (body: unknown): RawExchange => ({ kind: 'response', httpStatus: 200, body: JSON.stringify(body) });
const http = (httpStatus: number, body: unknown = ''): RawExchange => ({
  kind: 'response',
  httpStatus,
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

const classifiers = { refund: classifyRefund, otp: classifyOtp, inquiry: classifyInquiry } as const;
type Endpoint = keyof typeof classifiers;

// Eko's published sample success of Initiate Refund.
const REFUND_DONE = {
  status: 0,
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
const REFUND_DONE_DETAILS = {
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
};

/** A granular code in `status` (with response_status_id 1), and in response_status_id (with status 1). */
const inStatus = (code: number, message: string) => ({ status: code, response_status_id: 1, message, data: {} });
const inResponseStatusId = (code: number, message: string) => ({
  status: 1,
  response_status_id: code,
  message,
  data: {},
});
const bothShapes = (code: number, message: string) =>
  [
    [`status ${code}`, inStatus(code, message)],
    [`response_status_id ${code}`, inResponseStatusId(code, message)],
  ] as const;

const codeTable: [number, string, Endpoint[], object][] = [
  [302, 'Wrong OTP. Please enter the correct OTP.', ['refund'], { kind: 'wrong_otp' }],
  [303, 'OTP expired', ['refund'], { kind: 'otp_expired' }],
  [168, 'TID does not exist', ['refund', 'otp', 'inquiry'], { kind: 'rejected', reason: 'tid_unknown' }],
  [319, 'Invalid initiator', ['refund', 'otp', 'inquiry'], { kind: 'retryable', reason: 'config' }],
  [346, 'Agent not onboarded', ['refund', 'otp', 'inquiry'], { kind: 'retryable', reason: 'config' }],
  [463, 'User not found', ['refund', 'otp', 'inquiry'], { kind: 'retryable', reason: 'config' }],
  [1297, 'User not onboarded', ['refund', 'otp', 'inquiry'], { kind: 'retryable', reason: 'config' }],
  [347, 'Insufficient balance', ['refund'], { kind: 'rejected', reason: 'insufficient_balance' }],
  [-2, 'Another transaction is in progress', ['refund', 'otp', 'inquiry'], { kind: 'retryable', reason: 'busy' }],
];

const codeCases = codeTable.flatMap(([code, message, endpoints, expected]) =>
  endpoints.flatMap((endpoint) =>
    bothShapes(code, message).map(([shape, body]) => [endpoint, shape, { ...expected, code }, body] as const),
  ),
);

describe("Eko's error codes, in either envelope field", () => {
  it.each(codeCases)('%s: %s is read as %j', (endpoint, _shape, expected, body) => {
    expect(classifiers[endpoint](ok(body))).toMatchObject({ ...expected, httpStatus: 200 });
  });
});

const sampleCases: [string, Endpoint, RawExchange, object][] = [
  [
    '"Refund done" with its exponent balance',
    'refund',
    ok(REFUND_DONE),
    { kind: 'refunded', code: 0, responseTypeId: 74, message: 'Refund done', refund: REFUND_DONE_DETAILS },
  ],
  [
    '"Refund done" with response_status_id 0',
    'refund',
    ok({ ...REFUND_DONE, response_status_id: 0 }),
    { kind: 'refunded', code: 0, refund: REFUND_DONE_DETAILS },
  ],
  [
    '"Refund done" with "" amounts and balances',
    'refund',
    ok({ ...REFUND_DONE, data: { ...REFUND_DONE.data, fee: '', balance: '', customer_balance: '', tds: null } }),
    {
      kind: 'refunded',
      refund: { ...REFUND_DONE_DETAILS, fee: undefined, balance: undefined, tds: undefined },
    },
  ],
  [
    'the QR refund sample: wrong OTP in response_status_id',
    'refund',
    ok({ status: 1, response_status_id: 302, message: 'Wrong OTP. Please enter the correct OTP.' }),
    { kind: 'wrong_otp', code: 302, message: 'Wrong OTP. Please enter the correct OTP.' },
  ],
  [
    '"already in refunded state" (status 1, response_status_id -1)',
    'refund',
    ok({ status: 1, response_status_id: -1, message: 'Transaction is already in refunded state.', data: {} }),
    { kind: 'rejected', reason: 'already_refunded', code: 1 },
  ],
  [
    '"not in a refundable state" (status 1, response_status_id -1)',
    'refund',
    ok({ status: 1, response_status_id: -1, message: 'Transaction is not in a refundable state.', data: {} }),
    { kind: 'rejected', reason: 'not_refundable', code: 1 },
  ],
  [
    'Get Refund OTP success: status 2133, response_status_id 1, data.otp_ref_id',
    'otp',
    ok({ status: 2133, response_status_id: 1, message: 'OTP sent', data: { otp_ref_id: '52146' } }),
    { kind: 'otp_sent', otpRefId: '52146', code: 2133 },
  ],
  [
    'Get Refund OTP for a transaction no longer refund pending: not refundable',
    'otp',
    ok({ status: 1, response_status_id: -1, message: 'Transaction is not in a refundable state.', data: {} }),
    { kind: 'rejected', reason: 'not_refundable' },
  ],
  [
    'Get Refund OTP for a refunded transaction: already refunded',
    'otp',
    ok({ status: 1, response_status_id: -1, message: 'Transaction is already in refunded state.', data: {} }),
    { kind: 'rejected', reason: 'already_refunded' },
  ],
  [
    'inquiry success with tx_status as a string inside data',
    'inquiry',
    ok({
      status: 0,
      response_status_id: -1,
      response_type_id: 1472,
      message: 'Transaction status',
      data: { tx_status: '3', txstatus_desc: 'Refund Pending', amount: '5000.00', fee: '' },
    }),
    { kind: 'transaction', txStatus: 3, txStatusDesc: 'Refund Pending', amount: '5000.00', fee: undefined },
  ],
  [
    'inquiry success with tx_status as a number at the top level',
    'inquiry',
    ok({ status: 0, response_status_id: -1, tx_status: 4, txstatus_desc: 'Refunded', message: 'ok', data: {} }),
    { kind: 'transaction', txStatus: 4, txStatusDesc: 'Refunded' },
  ],
  [
    'inquiry failure "Invalid reference_id" (status 1, response_status_id -1)',
    'inquiry',
    ok({ status: 1, response_status_id: -1, message: 'Invalid reference_id', data: {} }),
    { kind: 'rejected', reason: 'tid_unknown', code: 1, message: 'Invalid reference_id' },
  ],
  [
    'an envelope-less error body',
    'inquiry',
    ok({ message: 'No key for Response' }),
    {
      kind: 'retryable',
      reason: 'bad_response',
      message: 'Eko answered without a status envelope: No key for Response',
    },
  ],
  [
    'a non-JSON error body',
    'refund',
    http(200, '<html><body>Service Unavailable</body></html>'),
    { kind: 'retryable', reason: 'bad_response' },
  ],
  [
    'HTTP 400: a malformed parameter',
    'refund',
    http(400, { message: 'Invalid parameter: service_code' }),
    { kind: 'retryable', reason: 'client_error', httpStatus: 400 },
  ],
  ['HTTP 403', 'refund', http(403, { message: 'Forbidden' }), { kind: 'retryable', reason: 'forbidden' }],
  ['HTTP 404', 'inquiry', http(404, 'Not Found'), { kind: 'retryable', reason: 'client_error', httpStatus: 404 }],
  ['HTTP 405', 'otp', http(405, 'Method Not Allowed'), { kind: 'retryable', reason: 'client_error' }],
  ['HTTP 415', 'refund', http(415, 'Unsupported Media Type'), { kind: 'retryable', reason: 'client_error' }],
  ['HTTP 500', 'refund', http(500, 'Internal Server Error'), { kind: 'retryable', reason: 'server_error' }],
];

describe("Eko's sample answers", () => {
  it.each(sampleCases)('%s (%s)', (_name, endpoint, exchange, expected) => {
    expect(classifiers[endpoint](exchange)).toMatchObject(expected);
  });
});
