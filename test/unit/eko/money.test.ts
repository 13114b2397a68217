import { toDecimalString } from '../../../src/eko/money';

describe('toDecimalString', () => {
  it.each([
    ['5000.00', '5000.00'],
    ['2.22263731286E9', '2222637312.86'],
    ['1.5e-3', '0.0015'],
    ['1E3', '1000'],
    ['-2.5E1', '-25'],
    [50.5, '50.5'],
    [1e21, '1000000000000000000000'],
  ])('reads %p as %p without a float', (input, expected) => {
    expect(toDecimalString(input)).toBe(expected);
  });

  it.each(['', 'abc', '1.2.3', 'NaN', 'Infinity'])('refuses %p, naming the value', (input) => {
    expect(() => toDecimalString(input)).toThrow('not a decimal amount');
  });

  it.each(['1E400000000', '1e-400000000', '1E99999999999999999999', '5E31'])(
    'refuses %p: an exponent that large is bad input, not an amount to expand',
    (input) => {
      expect(() => toDecimalString(input)).toThrow('not a decimal amount');
    },
  );

  it('accepts exponents up to the bound', () => {
    expect(toDecimalString('5E30')).toBe(`5${'0'.repeat(30)}`);
    expect(toDecimalString('5E-30')).toBe(`0.${'0'.repeat(29)}5`);
  });

  it('refuses a number string longer than any amount, showing only its start', () => {
    const long = '1'.repeat(10_000);
    expect(() => toDecimalString(long)).toThrow(/^not a decimal amount \(too long\): "1{16}…"$/);
  });
});
