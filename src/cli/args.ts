import { parseArgs, type ParseArgsConfig } from 'node:util';
import {
  cancelRequestSchema,
  InvalidInputError,
  type OtpSubmission,
  otpSubmissionSchema,
  parseOrThrow,
  type Phase,
  RefundOutcome,
  type RefundInput,
  refundInputSchema,
  RefundPhase,
  tidSchema,
} from '../contract';
import { EXIT_CODES_HELP } from './exit-codes';

export type Command =
  | { name: 'start'; input: RefundInput }
  | { name: 'otp'; tid: string; submission: OtpSubmission }
  | { name: 'resend-otp'; tid: string }
  | { name: 'status'; tid: string }
  | { name: 'list'; phase?: Phase; limit: number }
  | { name: 'cancel'; tid: string; reason: string }
  | { name: 'watch'; tid: string; intervalMs: number }
  | { name: 'result'; tid: string };

export type Invocation = { help: string } | { command: Command; json: boolean };

type Options = NonNullable<ParseArgsConfig['options']>;
type Values = Record<string, string | boolean | undefined>;

interface CommandSpec {
  usage: string;
  options: Options;
  build(positionals: string[], values: Values): Command;
}

const str = { type: 'string' } as const;
const bool = { type: 'boolean' } as const;

const ALL_PHASES: Phase[] = [...Object.values(RefundPhase), ...Object.values(RefundOutcome)];

const COMMANDS: Record<Command['name'], CommandSpec> = {
  start: {
    usage: `start <tid> [options]     start the refund of a failed Eko transaction (or show the one running)
      --initiator-id <mobile>   Eko initiator id (default: the worker's EKO_INITIATOR_ID)
      --user-code <code>        Eko user code (default: the worker's EKO_USER_CODE)
      --service-code <code>     default 80
      --otp-ref-id <id>         the otp_ref_id of an OTP Eko already sent
      --no-request-otp          do not ask Eko for an OTP: wait for the one already sent
      --otp-timeout <duration>  how long to wait for the OTP (default 24 hours)
      --max-otp-attempts <n>    wrong OTPs before OTP_EXPIRED (default 3)
      --poll-deadline, --poll-interval, --max-poll-interval, --submit-deadline,
      --resend-interval <duration>, --max-resends <n>   see the product contract
      --requested-by <who>, --reason <text>             kept in the workflow's memo
      Durations: "30s", "15 minutes", "24 hours", or milliseconds.`,
    options: {
      'initiator-id': str,
      'user-code': str,
      'service-code': str,
      'otp-ref-id': str,
      'no-request-otp': bool,
      'otp-timeout': str,
      'max-otp-attempts': str,
      'poll-deadline': str,
      'poll-interval': str,
      'max-poll-interval': str,
      'submit-deadline': str,
      'resend-interval': str,
      'max-resends': str,
      'requested-by': str,
      reason: str,
    },
    build: (positionals, v) => {
      const [tid] = exactly(positionals, ['tid'], 'start');
      const input = dropUndefined({
        tid,
        initiatorId: text(v['initiator-id']),
        userCode: text(v['user-code']),
        serviceCode: text(v['service-code']),
        otpRefId: text(v['otp-ref-id']),
        requestOtp: v['no-request-otp'] ? false : undefined,
        otpTimeout: duration(v['otp-timeout']),
        maxOtpAttempts: wholeNumber(v['max-otp-attempts'], '--max-otp-attempts'),
        pollDeadline: duration(v['poll-deadline']),
        pollInterval: duration(v['poll-interval']),
        maxPollInterval: duration(v['max-poll-interval']),
        submitDeadline: duration(v['submit-deadline']),
        resendInterval: duration(v['resend-interval']),
        maxResends: wholeNumber(v['max-resends'], '--max-resends'),
        requestedBy: text(v['requested-by']),
        reason: text(v.reason),
      }) as RefundInput;
      parseOrThrow(refundInputSchema, input, 'refund input');
      return { name: 'start', input };
    },
  },
  otp: {
    usage: `otp <tid> <otp> [--otp-ref-id <id>]   submit the customer's OTP; answers once Eko has seen it`,
    options: { 'otp-ref-id': str },
    build: (positionals, v) => {
      // Never echo the arguments here: one of them is the OTP.
      const [tid, otp] = exactly(positionals, ['tid', 'otp'], 'otp');
      const submission = dropUndefined({ otp, otpRefId: text(v['otp-ref-id']) }) as OtpSubmission;
      return { name: 'otp', tid: checkTid(tid), submission: parseOrThrow(otpSubmissionSchema, submission, 'OTP') };
    },
  },
  'resend-otp': {
    usage: `resend-otp <tid>          ask Eko to text the customer a new OTP`,
    options: {},
    build: (positionals) => ({ name: 'resend-otp', tid: checkTid(exactly(positionals, ['tid'], 'resend-otp')[0]) }),
  },
  status: {
    usage: `status <tid>              where the refund stands: phase, OTP, Eko's last answer, amounts, retries`,
    options: {},
    build: (positionals) => ({ name: 'status', tid: checkTid(exactly(positionals, ['tid'], 'status')[0]) }),
  },
  list: {
    usage: `list [--phase <phase>] [--limit <n>]   refunds, newest first (default limit 20)
      phases: ${ALL_PHASES.join(', ')}`,
    options: { phase: str, limit: str },
    build: (positionals, v) => {
      exactly(positionals, [], 'list');
      const phase = text(v.phase)?.toUpperCase();
      if (phase !== undefined && !(ALL_PHASES as string[]).includes(phase)) {
        throw new InvalidInputError(`--phase must be one of ${ALL_PHASES.join(', ')}`);
      }
      const limit = wholeNumber(v.limit, '--limit') ?? 20;
      if (limit < 1) throw new InvalidInputError('--limit must be at least 1');
      return { name: 'list', phase: phase as Phase | undefined, limit };
    },
  },
  cancel: {
    usage: `cancel <tid> --reason "<why>"   cancel a refund that has not reached Eko yet`,
    options: { reason: str },
    build: (positionals, v) => {
      const [tid] = exactly(positionals, ['tid'], 'cancel');
      const { reason } = parseOrThrow(cancelRequestSchema, { reason: text(v.reason) ?? '' }, 'cancel request');
      return { name: 'cancel', tid: checkTid(tid), reason };
    },
  },
  watch: {
    usage: `watch <tid> [--interval <seconds>]   print each phase change until the refund ends; exits with its outcome`,
    options: { interval: str },
    build: (positionals, v) => {
      const [tid] = exactly(positionals, ['tid'], 'watch');
      const seconds = Number(v.interval ?? 1);
      if (!(seconds >= 0.1 && seconds <= 3600)) throw new InvalidInputError('--interval must be 0.1 to 3600 seconds');
      return { name: 'watch', tid: checkTid(tid), intervalMs: seconds * 1000 };
    },
  },
  result: {
    usage: `result <tid>              wait for the refund's outcome (no output until it ends); exits with it`,
    options: {},
    build: (positionals) => ({ name: 'result', tid: checkTid(exactly(positionals, ['tid'], 'result')[0]) }),
  },
};

const GLOBAL_OPTIONS: Options = { json: bool, help: { type: 'boolean', short: 'h' } };

export const USAGE = `eko-refund: start, follow and act on Eko refunds run by the refund worker on Temporal.

Usage: eko-refund <command> [arguments] [--json]

Commands:
${Object.values(COMMANDS)
  .map((spec) => `  ${spec.usage}`)
  .join('\n')}

Options for every command:
  --json       one JSON document on stdout (errors too: {"error": {...}}), for scripts
  -h, --help   this help

Connection (environment, as the Temporal SDK reads it):
  TEMPORAL_ADDRESS (default localhost:7233), TEMPORAL_NAMESPACE (default "default"), TLS and
  API key variables, or a TEMPORAL_PROFILE; REFUND_TASK_QUEUE (default eko-refunds) for start.

${EXIT_CODES_HELP}

Secrets stay secret: the CLI never prints an OTP, an otp_ref_id, an access key or a customer mobile.`;

export function parseInvocation(argv: string[]): Invocation {
  const name = argv.find((arg) => !arg.startsWith('-'));
  const spec = name !== undefined && Object.hasOwn(COMMANDS, name) ? COMMANDS[name as Command['name']] : undefined;
  if (name === undefined || argv.includes('-h') || argv.includes('--help')) {
    return { help: spec ? `Usage: eko-refund ${spec.usage}\n\nRun eko-refund --help for everything.` : USAGE };
  }
  if (!spec) throw new InvalidInputError(`unknown command "${name}"; commands: ${Object.keys(COMMANDS).join(', ')}`);
  const args = argv.filter((_, index) => index !== argv.indexOf(name));
  const { values, positionals } = parseStrict(args, { ...GLOBAL_OPTIONS, ...spec.options });
  return { command: spec.build(positionals, values), json: values.json === true };
}

function parseStrict(args: string[], options: Options): { values: Values; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { values: values as Values, positionals };
  } catch (err) {
    // node:util names the option at fault ("Unknown option '--foo'"); values are not echoed.
    throw new InvalidInputError(err instanceof Error ? err.message : String(err));
  }
}

function exactly(positionals: string[], names: string[], command: string): string[] {
  if (positionals.length !== names.length) {
    const expected = names.length === 0 ? 'no arguments' : names.map((n) => `<${n}>`).join(' ');
    throw new InvalidInputError(`${command} takes ${expected}, got ${positionals.length} argument(s)`);
  }
  return positionals;
}

function checkTid(tid: string): string {
  const parsed = tidSchema.safeParse(tid);
  if (!parsed.success) throw new InvalidInputError(`invalid tid: ${parsed.error.issues[0].message}`);
  return parsed.data;
}

const text = (value: string | boolean | undefined): string | undefined =>
  typeof value === 'string' ? value : undefined;

/** Digits alone are milliseconds; anything else goes to the contract's duration check as it is. */
function duration(value: string | boolean | undefined): string | number | undefined {
  const s = text(value);
  return s !== undefined && /^\d+$/.test(s) ? Number(s) : s;
}

function wholeNumber(value: string | boolean | undefined, flag: string): number | undefined {
  const s = text(value);
  if (s === undefined) return undefined;
  if (!/^\d+$/.test(s)) throw new InvalidInputError(`${flag} must be a whole number`);
  return Number(s);
}

function dropUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
