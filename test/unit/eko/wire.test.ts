import { callTimeoutMs, digitsOnTheWire, refundRequestBody } from '../../../src/eko/client';

const request = {
  tid: '13192443',
  otp: '123456',
  serviceCode: '80',
  initiatorId: '9962981729',
  userCode: '20810200',
};

describe('the Initiate Refund body', () => {
  it("sends service_code as the number 80, as in Eko's sample", () => {
    expect(refundRequestBody(request)).toMatchObject({ service_code: 80 });
  });

  it('omits otp_ref_id when there is none, rather than sending ""', () => {
    expect(refundRequestBody(request)).not.toHaveProperty('otp_ref_id');
    expect(refundRequestBody({ ...request, otpRefId: '' })).not.toHaveProperty('otp_ref_id');
  });

  it('sends the full documented set of fields', () => {
    expect(refundRequestBody({ ...request, otpRefId: '52146' })).toEqual({
      initiator_id: '9962981729',
      user_code: '20810200',
      otp: 123456,
      otp_ref_id: '52146',
      service_code: 80,
      state: 1,
    });
  });

  it('sends an OTP with a leading zero as a string, so Eko sees every digit', () => {
    expect(refundRequestBody({ ...request, otp: '012345' })).toMatchObject({ otp: '012345' });
  });
});

describe('digitsOnTheWire', () => {
  it.each([
    ['80', 80],
    ['123456', 123456],
    ['012345', '012345'],
    ['0', 0],
    ['12345678901234567890', '12345678901234567890'],
    ['PAYPOINT', 'PAYPOINT'],
  ])('sends %p as %p', (value, wire) => {
    expect(digitsOnTheWire(value)).toBe(wire);
  });
});

describe('callTimeoutMs', () => {
  it('uses the configured timeout when the call gives none', () => {
    expect(callTimeoutMs(30_000)).toBe(30_000);
    expect(callTimeoutMs(30_000, {})).toBe(30_000);
  });

  it("lowers the timeout to the call's", () => {
    expect(callTimeoutMs(30_000, { timeoutMs: 1_500 })).toBe(1_500);
  });

  it('never raises it above the configured one', () => {
    expect(callTimeoutMs(30_000, { timeoutMs: 60_000 })).toBe(30_000);
  });

  it('rounds a fraction down, and reads no time left as 0', () => {
    expect(callTimeoutMs(30_000, { timeoutMs: 1_500.7 })).toBe(1_500);
    expect(callTimeoutMs(30_000, { timeoutMs: -5 })).toBe(0);
  });

  it('ignores a timeout that is not a number', () => {
    expect(callTimeoutMs(30_000, { timeoutMs: Number.NaN })).toBe(30_000);
  });
});
