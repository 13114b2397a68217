/**
 * Bounds of an amount as Eko may write it. Real amounts are far inside them; anything outside is bad
 * input, never a number to expand: "1E400000000" would otherwise become a 400 MB string.
 */
const MAX_AMOUNT_CHARS = 40;
const MAX_EXPONENT = 30;
const SHOWN_CHARS = 16;

/**
 * Money never passes through a float. Eko sends amounts as strings, sometimes in exponent form
 * ("2.22263731286E9"); this rewrites them as plain decimal strings by moving the decimal point.
 */
export function toDecimalString(value: string | number): string {
  const text = String(value).trim();
  if (text.length > MAX_AMOUNT_CHARS) throw notAnAmount(text, ' (too long)');
  const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!match || (match[2] === '' && (match[3] ?? '') === '')) throw notAnAmount(text);
  const [, sign, intPart, fracPart = '', exponentText] = match;
  if (exponentText === undefined) return text;
  const exponent = Number(exponentText);
  if (Math.abs(exponent) > MAX_EXPONENT) throw notAnAmount(text, ' (exponent out of range)');

  const digits = intPart + fracPart;
  const point = intPart.length + exponent;
  let whole: string;
  let fraction: string;
  if (point <= 0) {
    whole = '0';
    fraction = '0'.repeat(-point) + digits;
  } else if (point >= digits.length) {
    whole = digits + '0'.repeat(point - digits.length);
    fraction = '';
  } else {
    whole = digits.slice(0, point);
    fraction = digits.slice(point);
  }
  whole = whole.replace(/^0+(?=\d)/, '');
  fraction = fraction.replace(/0+$/, '');
  return `${sign === '-' ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

function notAnAmount(text: string, why = ''): Error {
  const shown = text.length > SHOWN_CHARS ? `${text.slice(0, SHOWN_CHARS)}…` : text;
  return new Error(`not a decimal amount${why}: ${JSON.stringify(shown)}`);
}
