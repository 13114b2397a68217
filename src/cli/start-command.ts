/** `start`: its options are the refund input's fields; the contract's schema checks them all. */
import { type Command, Option } from 'commander';
import { parseOrThrow, type RefundInput, refundInputSchema } from '../contract';
import { redactor } from '../logging';
import { resolveActor } from './actor';
import { definedOnly, wholeNumber } from './parsers';

/** The contract's defaults, for the help text only: the workflow applies them. */
const DEFAULTS = refundInputSchema.parse({ tid: '1' });
const byDefault = (field: keyof typeof DEFAULTS) => ` (default ${DEFAULTS[field]})`;

export function addStartOptions(start: Command): Command {
  const options = [
    new Option('--initiator-id <mobile>', "Eko initiator id (default: the worker's EKO_INITIATOR_ID)"),
    new Option('--user-code <code>', "Eko user code (default: the worker's EKO_USER_CODE)"),
    new Option('--service-code <code>', `Eko service code${byDefault('serviceCode')}`),
    new Option('--otp-ref-id <id>', 'the otp_ref_id of an OTP Eko already sent'),
    new Option('--no-request-otp', 'do not ask Eko for an OTP: wait for the one already sent'),
    new Option('--otp-timeout <duration>', `how long to wait for the OTP${byDefault('otpTimeout')}`),
    new Option('--max-otp-attempts <n>', `wrong OTPs before OTP_EXPIRED${byDefault('maxOtpAttempts')}`).argParser(
      wholeNumber,
    ),
    new Option('--poll-deadline <duration>', `how long Eko may stay pending${byDefault('pollDeadline')}`),
    new Option('--poll-interval <duration>', `first wait between inquiries${byDefault('pollInterval')}`),
    new Option('--max-poll-interval <duration>', `longest wait between inquiries${byDefault('maxPollInterval')}`),
    new Option('--submit-deadline <duration>', `how long the refund call is retried${byDefault('submitDeadline')}`),
    new Option('--resend-interval <duration>', `least time between OTP resends${byDefault('resendInterval')}`),
    new Option('--max-resends <n>', `OTP resends allowed${byDefault('maxResends')}`).argParser(wholeNumber),
    new Option('--requested-by <who>', 'who asked for the refund, kept in the memo (default: the actor)'),
    new Option('--reason <text>', 'why, kept in the memo'),
  ];
  for (const option of options) start.addOption(option);
  return start.addHelpText(
    'after',
    '\nDurations: "30s", "15 minutes", "24 hours", or milliseconds. See docs/contract/refund-workflow.md.',
  );
}

export interface StartOptions extends Omit<RefundInput, 'tid'> {
  actor?: string;
}

/** The refund input as given (the workflow applies the defaults), checked against the contract. */
export function startInput(tid: string, options: StartOptions, env: NodeJS.ProcessEnv): RefundInput {
  const { actor, requestOtp, requestedBy, ...fields } = options;
  redactor.add(fields.otpRefId);
  const input: RefundInput = definedOnly({
    tid,
    ...fields,
    // commander sets requestOtp: true unless --no-request-otp; only the opt-out is the caller's choice.
    requestOtp: requestOtp === false ? false : undefined,
    requestedBy: requestedBy ?? resolveActor(actor, env),
  });
  parseOrThrow(refundInputSchema, input, 'refund input');
  return input;
}
