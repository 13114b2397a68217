/**
 * Eko's messages are free text kept in the refund's state, its history and the CLI's output, and Eko
 * may quote an OTP or the customer's mobile in them. Digit runs that could be one of those are
 * masked; the tid of the call and amounts (which carry a decimal point) stay readable.
 */

/** An OTP has 4 to 8 digits, a mobile 10, 12 with the country code 91. */
const MIN_SECRET_DIGITS = 4;
const MAX_SECRET_DIGITS = 12;

// A number as it stands in text: an international number ("+91 6111111111", "+916111111111"), or a
// run of digits with an optional decimal part. Scanning left to right keeps every run whole.
const NUMBER = /\+\d{1,3}[ -]?\d+|\d+(?:\.\d+)?/g;

export function maskDigitRuns(text: string, keep: readonly string[] = []): string {
  return text.replace(NUMBER, (number) => {
    if (number.startsWith('+')) return hide(number);
    if (number.includes('.') || keep.includes(number)) return number;
    return number.length >= MIN_SECRET_DIGITS && number.length <= MAX_SECRET_DIGITS ? hide(number) : number;
  });
}

function hide(number: string): string {
  return number.replace(/\d/g, '•');
}
