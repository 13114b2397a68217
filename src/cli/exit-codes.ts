import { RefundOutcome } from '../contract';

/** How to run this CLI, for the hints in its messages: the way it was run. */
export const CLI = process.env.npm_lifecycle_event === 'cli' ? 'npm run cli --' : 'eko-refund';

/** What `eko-refund` exits with; scripts branch on these, so they never change meaning. */
export enum ExitCode {
  OK = 0,
  UNEXPECTED = 1,
  USAGE = 2,
  REFUSED = 3,
  NOT_FOUND = 4,
  UNREACHABLE = 5,
  /** Eko refused the OTP (wrong or expired); the refund waits for another one. */
  OTP_NOT_ACCEPTED = 6,
  NOT_REFUNDABLE = 10,
  FAILED = 11,
  OTP_EXPIRED = 12,
  CANCELLED = 13,
  NEEDS_REVIEW = 14,
  /** The workflow closed without a business outcome: terminated by hand, timed out, or a bug. */
  ENDED_WITHOUT_OUTCOME = 15,
}

const OUTCOME_EXIT_CODES: Record<RefundOutcome, ExitCode> = {
  [RefundOutcome.REFUNDED]: ExitCode.OK,
  [RefundOutcome.NOT_REFUNDABLE]: ExitCode.NOT_REFUNDABLE,
  [RefundOutcome.FAILED]: ExitCode.FAILED,
  [RefundOutcome.OTP_EXPIRED]: ExitCode.OTP_EXPIRED,
  [RefundOutcome.CANCELLED]: ExitCode.CANCELLED,
  [RefundOutcome.NEEDS_REVIEW]: ExitCode.NEEDS_REVIEW,
};

export const exitCodeForOutcome = (outcome: RefundOutcome): ExitCode => OUTCOME_EXIT_CODES[outcome];

/** A failure the CLI explains itself: the message says what to do next. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    readonly exitCode: ExitCode,
    message: string,
  ) {
    super(message);
  }
}

export const EXIT_CODES_HELP = `Exit codes:
  0   success (watch, result: the refund ended REFUNDED; otp: Eko accepted the OTP)
  1   unexpected error (a bug, or an answer the CLI does not know)
  2   usage or invalid input (a malformed OTP too): the message names the argument or field; nothing was sent
  3   refused by the workflow: the refund already ended or reached Eko (PENDING), the OTP
      deadline passed, a resend too soon, under way or one too many
  4   no refund workflow for this tid
  5   cannot reach Temporal (check TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, and that the server runs),
      or no refund worker answered an update in time (check that the worker runs)
  6   otp: Eko refused the OTP (wrong or expired); the refund waits for another OTP
  10  NOT_REFUNDABLE      11  FAILED      12  OTP_EXPIRED
  13  CANCELLED           14  NEEDS_REVIEW
  15  the workflow closed without an outcome (terminated or timed out): look at it in the Web UI
  Outcome codes 10-14 are used by watch, result and otp (and cancel, when another outcome won the race).`;
