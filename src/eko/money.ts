/**
 * Money never passes through a float. Eko sends amounts as strings, sometimes in exponent form
 * ("2.22263731286E9"); this rewrites them as plain decimal strings by moving the decimal point.
 */
export function toDecimalString(value: string | number): string {
  const text = String(value).trim();
  const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!match || (match[2] === '' && (match[3] ?? '') === '')) {
    throw new Error(`not a decimal amount: ${JSON.stringify(text)}`);
  }
  const [, sign, intPart, fracPart = '', exponent] = match;
  if (exponent === undefined) return text;
  const digits = intPart + fracPart;
  const point = intPart.length + Number(exponent);
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
