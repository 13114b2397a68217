/**
 * The OTP policy is the server's (docs/contract/refund-api.md, "Limits that hold under abuse"):
 * a start may tighten it (fewer attempts or resends, a shorter deadline, resends further apart),
 * never loosen it. What a start leaves out is the server's value.
 */
import { DEFAULTS, DURATIONS, formatMs, toMs } from '../contract';
import { type FieldError, Problem } from './problems';

export interface OtpPolicy {
  maxOtpAttempts: number;
  maxResends: number;
  otpTimeoutMs: number;
  resendIntervalMs: number;
}

export const DEFAULT_OTP_POLICY: OtpPolicy = {
  maxOtpAttempts: DEFAULTS.maxOtpAttempts,
  maxResends: DEFAULTS.maxResends,
  otpTimeoutMs: toMs(DURATIONS.otpTimeout.default),
  resendIntervalMs: toMs(DURATIONS.resendInterval.default),
};

type Policed = 'maxOtpAttempts' | 'maxResends' | 'otpTimeout' | 'resendInterval';

/** The start's OTP options within the policy, the server's where left out; a 422 naming each loosened one. */
export function withinPolicy<T extends object>(input: T, policy: OtpPolicy): T {
  const filled = withPolicyDefaults(input, policy);
  checkPolicy(filled, policy);
  return filled;
}

/** The server's value for each OTP option the start leaves out (before the schema's own defaults). */
export function withPolicyDefaults<T extends object>(input: T, policy: OtpPolicy): T {
  const given = input as Partial<Record<Policed, unknown>>;
  return {
    ...input,
    maxOtpAttempts: given.maxOtpAttempts ?? policy.maxOtpAttempts,
    maxResends: given.maxResends ?? policy.maxResends,
    otpTimeout: given.otpTimeout ?? policy.otpTimeoutMs,
    resendInterval: given.resendInterval ?? policy.resendIntervalMs,
  };
}

/** A 422 naming each OTP option looser than the policy; values the schema would refuse are left to it. */
export function checkPolicy(input: object, policy: OtpPolicy): void {
  const given = input as Partial<Record<Policed, unknown>>;
  const errors: FieldError[] = [];
  const atMost = (field: Policed, given: number, limit: number, shown: string) => {
    if (given > limit) errors.push({ field, message: `may not exceed the server's ${shown}` });
  };
  atMost('maxOtpAttempts', numberOf(given.maxOtpAttempts), policy.maxOtpAttempts, String(policy.maxOtpAttempts));
  atMost('maxResends', numberOf(given.maxResends), policy.maxResends, String(policy.maxResends));
  atMost('otpTimeout', toMs(given.otpTimeout), policy.otpTimeoutMs, formatMs(policy.otpTimeoutMs));
  const interval = toMs(given.resendInterval);
  if (interval < policy.resendIntervalMs) {
    errors.push({
      field: 'resendInterval',
      message: `may not be shorter than the server's ${policy.resendIntervalMs} ms`,
    });
  }
  if (errors.length > 0) {
    throw new Problem('invalid-input', errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors });
  }
}

/** A number as sent; NaN (never over a limit) for anything else. */
const numberOf = (value: unknown): number => (typeof value === 'number' ? value : Number.NaN);
