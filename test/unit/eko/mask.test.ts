import { maskDigitRuns } from '../../../src/eko/mask';

describe('maskDigitRuns', () => {
  it.each([
    ['OTP 123456 sent', 'OTP •••••• sent'],
    ['otp:0123', 'otp:••••'],
    ['OTP123456', 'OTP••••••'],
    ['sent to 6111111111.', 'sent to ••••••••••.'],
    ['mobile no.6111111111', 'mobile no.••••••••••'],
    ['+916111111111', '+••••••••••••'],
    ['+91 6111111111', '+•• ••••••••••'],
    ['+91-6111111111', '+••-••••••••••'],
    ['initiator 9962981729 and user 20810200', 'initiator •••••••••• and user ••••••••'],
    ['a 12-digit 123456789012 run', 'a 12-digit •••••••••••• run'],
  ])('masks %j as %j', (text, masked) => {
    expect(maskDigitRuns(text)).toBe(masked);
  });

  it.each([
    ['amounts with a decimal point', 'Refund of Rs 5000.00 (fee 50.0, balance 2222637312.86)'],
    ['runs of 1 to 3 digits', 'code 302, 3 tries, 12 left'],
    ['runs longer than 12 digits', 'reference 1234567890123'],
    ['text without digits', 'Refund done'],
  ])('keeps %s readable', (_what, text) => {
    expect(maskDigitRuns(text)).toBe(text);
  });

  it('keeps the tid of the call readable, and only as a whole run', () => {
    expect(maskDigitRuns('tid 13192443, OTP 13192', ['13192443'])).toBe('tid 13192443, OTP •••••');
    expect(maskDigitRuns('tid 1319244399', ['13192443'])).toBe('tid ••••••••••');
  });

  it('masks an empty keep entry as nothing special', () => {
    expect(maskDigitRuns('OTP 4321', [''])).toBe('OTP ••••');
  });
});
