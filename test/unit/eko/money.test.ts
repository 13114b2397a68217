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

  it.each(['', 'abc', '1.2.3', 'NaN'])('refuses %p, naming the value', (input) => {
    expect(() => toDecimalString(input)).toThrow('not a decimal amount');
  });
});
