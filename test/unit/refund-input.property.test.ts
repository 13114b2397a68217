/**
 * No accepted input can jam a refund: whatever the schema accepts, the workflow accepts too and
 * builds activity options that Temporal takes (a retry policy whose maximum interval is below its
 * initial interval, for one, fails every workflow task of the refund, forever).
 */
import { compileRetryPolicy, type Duration } from '@temporalio/common';
import fc from 'fast-check';
import { lenientRefundInputSchema, refundInputSchema, toMs } from '../../src/contract';
import { activityOptions } from '../../src/workflows/options';

const UNITS = ['ms', 's', 'sec', 'seconds', 'm', 'min', 'minutes', 'h', 'hour', 'hours', 'd', 'day', 'days', 'w', 'y'];

/** Durations as people type them, mostly plausible, some far out of range, some not durations. */
const duration = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.oneof(
      fc.integer({ min: 2, max: 600 }).map((seconds) => `${seconds}s`),
      fc.integer({ min: 1, max: 10 }).map((minutes) => `${minutes} minutes`),
      fc.integer({ min: 2_000, max: 600_000 }),
    ),
  },
  {
    weight: 2,
    arbitrary: fc.oneof(
      fc
        .tuple(fc.double({ min: 0, max: 5000, noNaN: true }), fc.constantFrom(...UNITS), fc.constantFrom('', ' '))
        .map(([n, unit, space]) => `${Math.round(n * 100) / 100}${space}${unit}`),
      fc.integer({ min: -10, max: 10 * 24 * 3600_000 }),
      fc.double({ noNaN: false }),
      fc.constantFrom('tomorrow', '', ' ', '1 fortnight', '-5s', '1e3', 'Infinity', '0', '0s'),
    ),
  },
);

const input = fc.record(
  {
    tid: fc.oneof(
      { weight: 9, arbitrary: fc.stringMatching(/^[1-9]\d{0,19}$/) },
      { weight: 1, arbitrary: fc.string() },
    ),
    otpTimeout: duration,
    pollDeadline: duration,
    pollInterval: duration,
    maxPollInterval: duration,
    ekoCallTimeout: duration,
    submitDeadline: duration,
    settleWindow: duration,
    resendInterval: duration,
    maxOtpAttempts: fc.oneof(
      { weight: 9, arbitrary: fc.integer({ min: 1, max: 10 }) },
      fc.integer({ min: -2, max: 12 }),
    ),
    maxResends: fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 0, max: 20 }) }, fc.integer({ min: -2, max: 25 })),
    requestOtp: fc.boolean(),
  },
  { requiredKeys: ['tid'] },
);

const positiveFinite = (ms: unknown) => typeof ms === 'number' && Number.isFinite(ms) && ms > 0;

function assertRunnable(options: ReturnType<typeof activityOptions>): void {
  for (const [name, set] of Object.entries(options)) {
    compileRetryPolicy(set.retry ?? {}); // throws where Temporal would refuse it
    for (const field of ['startToCloseTimeout', 'scheduleToCloseTimeout'] as const) {
      if (!positiveFinite(set[field])) throw new Error(`${name}.${field} is ${String(set[field])}`);
    }
    if (Number(set.retry?.maximumInterval) < Number(set.retry?.initialInterval)) {
      throw new Error(`${name}: maximumInterval below initialInterval`);
    }
  }
}

test('whatever the client accepts, the workflow accepts and can build its activity options from', () => {
  fc.assert(
    fc.property(input, (raw) => {
      const parsed = refundInputSchema.safeParse(raw);
      if (!parsed.success) return;
      expect(lenientRefundInputSchema.safeParse(raw).success).toBe(true);
      assertRunnable(activityOptions(parsed.data));
    }),
    { numRuns: 3_000 },
  );
});

test('the generator reaches accepted inputs often enough to mean something', () => {
  const sample = fc.sample(input, { numRuns: 3_000, seed: 20261129 });
  const accepted = sample.filter((raw) => refundInputSchema.safeParse(raw).success).length;
  expect(accepted).toBeGreaterThan(150); // over 5 %
});

test.each<[string, Record<string, unknown>, string]>([
  [
    'pollInterval above maxPollInterval (1 hour vs the 15 min default)',
    { pollInterval: '1 hour' },
    'maxPollInterval: must be at least pollInterval',
  ],
  ['pollInterval 1ms (hammering Eko)', { pollInterval: '1ms' }, 'pollInterval: must be between 1 second and 1 hour'],
  ['ekoCallTimeout 1s', { ekoCallTimeout: '1s' }, 'ekoCallTimeout: must be between'],
  [
    'submitDeadline under twice ekoCallTimeout',
    { ekoCallTimeout: '10 minutes', submitDeadline: '15 minutes' },
    'submitDeadline: must be at least twice ekoCallTimeout',
  ],
  [
    'settleWindow not shorter than submitDeadline',
    { settleWindow: '1 day', submitDeadline: '1 day' },
    'settleWindow: must be shorter than submitDeadline',
  ],
  ['a duration that is not one', { otpTimeout: 'tomorrow' }, 'otpTimeout: must be a duration'],
])('refused at once, naming the field: %s', (_what, fields, message) => {
  const parsed = refundInputSchema.safeParse({ tid: '13192443', ...fields });
  expect(parsed.success).toBe(false);
  expect(JSON.stringify(parsed.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`))).toContain(message);
});

test('the one duration parser reads what the SDK reads', () => {
  expect(toMs('24 hours')).toBe(86_400_000);
  expect(toMs('1.5m')).toBe(90_000);
  expect(toMs(250)).toBe(250);
  expect(toMs('tomorrow')).toBeNaN();
});

/** Every spelling of every unit the duration strings take, in the three cases they accept. */
const ALL_UNITS = ['years', 'year', 'yrs', 'yr', 'y', 'weeks', 'week', 'w', 'days', 'day', 'd', 'hours', 'hour']
  .concat(['hrs', 'hr', 'h', 'minutes', 'minute', 'mins', 'min', 'm', 'seconds', 'second', 'secs', 'sec', 's'])
  .concat(['milliseconds', 'millisecond', 'msecs', 'msec', 'ms', ''])
  .flatMap((unit) => [unit, unit.toUpperCase(), unit.charAt(0).toUpperCase() + unit.slice(1)]);

/**
 * The SDK's own reading of a duration string (its ms release), through its public retry-policy
 * compiler: milliseconds, or undefined when it refuses the string as no duration.
 */
function sdkMs(text: string): number | undefined {
  try {
    const { seconds, nanos } = compileRetryPolicy({ initialInterval: text as Duration }).initialInterval!;
    return Number(seconds) * 1000 + (nanos ?? 0) / 1e6;
  } catch (err) {
    if (err instanceof TypeError) return undefined; // "Invalid duration string"
    return 0; // a duration the policy refuses (0)
  }
}

test('every duration string parses to the milliseconds the SDK reads, and only those', () => {
  const spelled = fc
    .tuple(
      fc.oneof(fc.integer({ min: 0, max: 10_000_000 }), fc.double({ min: 0, max: 1e9, noNaN: true })),
      fc.constantFrom(...ALL_UNITS),
      fc.constantFrom('', ' ', '  '),
    )
    .map(([n, unit, space]) => `${n}${space}${unit}`);
  const typed = fc.string({ unit: fc.constantFrom(...'0123456789.-+e smhdwyrecinouSMHDWY'), maxLength: 20 });
  fc.assert(
    fc.property(fc.oneof(spelled, typed, fc.string()), (text) => {
      const trimmed = text.trim(); // toMs trims; the SDK does not
      if (trimmed === '') return;
      const [ours, sdk] = [toMs(text), sdkMs(trimmed)];
      if (sdk === undefined) return expect(ours).toBeNaN();
      // The policy's timestamps keep exact milliseconds only from 0 to 2^53: beyond, the sign.
      const exact = (ms: number) => ms >= 0 && ms < Number.MAX_SAFE_INTEGER;
      if (!exact(sdk)) return expect(exact(ours)).toBe(false);
      expect(Math.abs(ours - sdk)).toBeLessThanOrEqual(Math.max(1e-6, sdk * 1e-12));
    }),
    { numRuns: 20_000 },
  );
});
