import { CLI, EXIT_CODES_HELP } from './exit-codes';

export const PROGRAM_DESCRIPTION = 'Start, follow and act on Eko refunds run by the refund worker on Temporal.';

export const PROGRAM_FOOTER = `
Connection (environment, as the Temporal SDK reads it):
  TEMPORAL_ADDRESS (default localhost:7233), TEMPORAL_NAMESPACE (default "default"), TLS and
  API key variables, or a TEMPORAL_PROFILE; REFUND_TASK_QUEUE (default eko-refunds) for start.
  EKO_REFUND_ACTOR: who you are, sent with start, otp, resend-otp and cancel (default: your OS
  user name; --actor overrides it).

${EXIT_CODES_HELP}

Secrets stay secret: the CLI never prints an OTP, an otp_ref_id, an access key or a customer mobile.
Type the OTP at the prompt of "${CLI} otp <tid>" (or pipe it in): never on the command line.`;

export const OTP_EXAMPLES = `
Examples:
  $ ${CLI} otp 1000000001                  asks for the OTP; typing is not shown
  $ echo 123456 | ${CLI} otp 1000000001    reads the OTP from stdin (scripts)`;

export const ACTOR_HELP = 'who is acting, kept with the action (default: $EKO_REFUND_ACTOR, else your OS user name)';

/** Printed when the OTP comes on the command line: it works, but others can read it. */
export const OTP_IN_ARGV_WARNING =
  `${CLI}: warning: an OTP on the command line is visible in the process list and shell history; ` +
  `leave it out and ${CLI} otp <tid> asks for it`;
