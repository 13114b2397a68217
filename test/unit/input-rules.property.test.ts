/**
 * The workflow checks its input and messages with the plain rules of src/contract/rules.ts (no zod
 * in the workflow bundle); callers check them with the zod schemas. One verdict for both: for any
 * value, both accept it with the same result, or both refuse it, the workflow naming only fields
 * zod names too, in zod's words whenever zod finds one problem.
 */
import fc from 'fast-check';
import type { z } from 'zod';
import {
  type Checked,
  checkCancelRequest,
  checkOtpSubmission,
  checkRefundInput,
  checkResendRequest,
  describeIssues,
  describeZodError,
  DURATION_FIELDS,
  lenientCancelRequestSchema,
  lenientOtpSubmissionSchema,
  lenientRefundInputSchema,
  lenientResendRequestSchema,
} from '../../src/contract';

const UNITS = ['ms', 's', 'seconds', 'm', 'minutes', 'h', 'hours', 'd', 'days', 'w', 'y'];

/** Values of every JSON type, and a few that JSON cannot carry. */
const anyValue = fc.oneof(
  fc.jsonValue({ maxDepth: 1 }),
  fc.constantFrom(null, undefined, NaN, Infinity, -Infinity, -0, 1.5, 2 ** 60, -(2 ** 60), '', ' ', true, false),
);

const digits = (min: number, max: number) => fc.stringMatching(new RegExp(`^\\d{${min},${max}}$`));
/** Digit strings around a pattern's length bounds, and strings that are not digits. */
const digitField = (min: number, max: number) =>
  fc.oneof(
    { weight: 4, arbitrary: digits(min, max) },
    digits(Math.max(0, min - 2), max + 2),
    fc.string({ maxLength: max + 2 }),
    anyValue,
  );
const textField = (maxLength: number) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.string({ minLength: 1, maxLength: 20 }) },
    fc.constantFrom('', 'x'.repeat(maxLength), 'x'.repeat(maxLength + 1)),
    anyValue,
  );
const count = (min: number, max: number) =>
  fc.oneof({ weight: 4, arbitrary: fc.integer({ min, max }) }, fc.integer({ min: min - 3, max: max + 3 }), anyValue);
const duration = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 600 }).map((s) => `${s}s`) },
  fc
    .tuple(fc.double({ min: 0, max: 5000, noNaN: true }), fc.constantFrom(...UNITS), fc.constantFrom('', ' '))
    .map(([n, unit, space]) => `${Math.round(n * 100) / 100}${space}${unit}`),
  fc.integer({ min: -10, max: 40 * 24 * 3600_000 }),
  fc.double(),
  fc.constantFrom('tomorrow', '1 fortnight', '-5s', '1e3', 'Infinity', '0', '0s', ' 30s ', 'x'.repeat(101)),
  anyValue,
);

const wildFields = {
  tid: digitField(1, 20),
  initiatorId: digitField(10, 10),
  userCode: digitField(1, 20),
  serviceCode: digitField(1, 6),
  otpRefId: textField(128),
  requestOtp: fc.oneof({ weight: 4, arbitrary: fc.boolean() }, anyValue),
  maxOtpAttempts: count(1, 10),
  maxResends: count(0, 20),
  requestedBy: textField(200),
  reason: textField(1000),
  ...Object.fromEntries(DURATION_FIELDS.map((field) => [field, duration])),
  fromANewerClient: anyValue,
};
/** Inputs a client would accept, then one field perhaps made wrong: both verdicts are exercised. */
const plausibleInput = fc
  .tuple(
    fc.record(
      {
        tid: digits(1, 20),
        initiatorId: digits(10, 10),
        serviceCode: digits(1, 6),
        requestOtp: fc.boolean(),
        maxOtpAttempts: fc.integer({ min: 1, max: 10 }),
        pollInterval: fc.integer({ min: 1, max: 60 }).map((s) => `${s}s`),
        maxPollInterval: fc.integer({ min: 1, max: 30 }).map((m) => `${m} minutes`),
        ekoCallTimeout: fc.integer({ min: 2, max: 120 }).map((s) => `${s} seconds`),
        settleWindow: fc.integer({ min: 1, max: 60 }).map((m) => `${m}m`),
      },
      { requiredKeys: ['tid'] },
    ),
    fc.option(fc.constantFrom(...Object.entries(wildFields))),
  )
  .chain(([input, wrong]) =>
    wrong === null ? fc.constant(input) : wrong[1].map((value) => ({ ...input, [wrong[0]]: value })),
  );

const refundInput = fc.oneof(
  { weight: 10, arbitrary: plausibleInput },
  { weight: 10, arbitrary: fc.record(wildFields, { requiredKeys: [] }) },
  anyValue,
  fc.array(anyValue, { maxLength: 2 }),
);

const messageFields = {
  otp: digitField(4, 8),
  otpRefId: textField(128),
  actor: textField(200),
  reason: textField(1000),
  fromANewerClient: anyValue,
};
const message = fc.oneof({ weight: 10, arbitrary: fc.record(messageFields, { requiredKeys: [] }) }, anyValue);

const fieldsOf = (names: string[]) => [...new Set(names)].sort();

/** The workflow's rules and the caller's schema give one verdict on `raw`. */
function sameVerdict<T>(schema: z.ZodType, checked: Checked<T>, raw: unknown): void {
  const parsed = schema.safeParse(raw);
  expect(checked.ok).toBe(parsed.success);
  if (parsed.success && checked.ok) {
    expect(checked.value).toStrictEqual(parsed.data);
  } else if (!parsed.success && !checked.ok) {
    // zod goes on checking after some problems (and then may name a field twice): the rules stop
    // at a field's first problem, and check rules between fields only when every field is right.
    const zodFields = fieldsOf(parsed.error.issues.map((issue) => issue.path.join('.') || 'input'));
    const ruleFields = fieldsOf(checked.issues.map((issue) => issue.field));
    expect(ruleFields.length).toBeGreaterThan(0);
    expect(zodFields).toEqual(expect.arrayContaining(ruleFields));
    if (parsed.error.issues.length === 1) expect(describeIssues(checked.issues)).toBe(describeZodError(parsed.error));
  }
}

const RUNS = { numRuns: 5_000 };

test('the refund input: the workflow accepts exactly what the lenient schema accepts, with the same defaults', () => {
  fc.assert(
    fc.property(refundInput, (raw) => sameVerdict(lenientRefundInputSchema, checkRefundInput(raw), raw)),
    RUNS,
  );
});

test('OTP submissions, cancel and resend requests: the same verdict as the lenient schemas', () => {
  fc.assert(
    fc.property(message, (raw) => {
      sameVerdict(lenientOtpSubmissionSchema, checkOtpSubmission(raw), raw);
      sameVerdict(lenientCancelRequestSchema, checkCancelRequest(raw), raw);
      sameVerdict(lenientResendRequestSchema, checkResendRequest(raw), raw);
    }),
    RUNS,
  );
});

test('the rules name the field and never echo its value', () => {
  const checked = checkOtpSubmission({ otp: '12ab56', actor: '' });
  expect(checked).toEqual({
    ok: false,
    issues: [
      { field: 'otp', message: 'otp must be 4 to 8 digits' },
      { field: 'actor', message: 'Too small: expected string to have >=1 characters' },
    ],
  });
  expect(describeIssues(checked.ok ? [] : checked.issues)).not.toContain('12ab56');
});
