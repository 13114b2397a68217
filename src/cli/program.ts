/**
 * The command line, on commander: commands, arguments, options and --help. Parsing ends with a
 * `Command` whose messages the contract's schemas have accepted, before anything connects.
 */
import { Command as Program, CommanderError, Option } from 'commander';
import {
  type CancelRequest,
  cancelRequestSchema,
  type OtpSubmission,
  otpSubmissionSchema,
  parseOrThrow,
  type Phase,
  type RefundInput,
  type ResendRequest,
  resendRequestSchema,
} from '../contract';
import { redactor } from '../logging';
import { resolveActor } from './actor';
import { CLI, CliError, ExitCode } from './exit-codes';
import { ACTOR_HELP, OTP_EXAMPLES, OTP_IN_ARGV_WARNING, PROGRAM_DESCRIPTION, PROGRAM_FOOTER } from './help';
import { readOtp } from './otp-input';
import { atLeastOne, definedOnly, intervalSeconds, phase, tid as tidArgument } from './parsers';
import { addStartOptions, type StartOptions, startInput } from './start-command';

export type Command =
  | { name: 'start'; input: RefundInput }
  | { name: 'otp'; tid: string; submission: OtpSubmission }
  | { name: 'resend-otp'; tid: string; request: ResendRequest }
  | { name: 'status'; tid: string }
  | { name: 'list'; phase?: Phase; limit: number }
  | { name: 'cancel'; tid: string; request: CancelRequest }
  | { name: 'watch'; tid: string; intervalMs: number }
  | { name: 'result'; tid: string };

/** A command to run, or the exit code of a parse that was all (--help). */
export type Invocation = { command: Command; json: boolean } | { exitCode: ExitCode };

export interface ParseContext {
  env: NodeJS.ProcessEnv;
  /** The OTP when it is not on the command line: a prompt, or stdin. */
  readOtp(): Promise<string>;
  /** Help goes to stdout, errors' help to stderr. */
  writeOut(text: string): void;
  writeErr(text: string): void;
}

const processContext: ParseContext = {
  env: process.env,
  readOtp: () => readOtp(),
  writeOut: (text) => process.stdout.write(text),
  writeErr: (text) => process.stderr.write(text),
};

export async function parseCommandLine(argv: string[], context = processContext): Promise<Invocation> {
  let parsed: Command | undefined;
  const program = buildProgram(context, (command) => (parsed = command));
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    if (err.exitCode === 0) return { exitCode: ExitCode.OK }; // --help
    throw usageError(err, program, argv);
  }
  return { command: parsed!, json: program.opts().json === true };
}

function buildProgram({ env, readOtp, writeOut, writeErr }: ParseContext, parsed: (c: Command) => void): Program {
  const program = new Program('eko-refund')
    .description(PROGRAM_DESCRIPTION)
    .option('--json', 'one JSON document on stdout (errors too: {"error": {...}}), for scripts')
    .addHelpText('after', PROGRAM_FOOTER)
    // Inherited by the commands below: errors come back here, to be printed once, --json aware.
    .exitOverride()
    .configureOutput({ writeOut, writeErr, outputError: () => undefined })
    .configureHelp({ showGlobalOptions: true });
  const actor = () => new Option('--actor <name>', ACTOR_HELP);
  /** A command about one refund: `<name> <tid>`. */
  const refundCommand = (name: string, description: string) =>
    program.command(name).description(description).argument('<tid>', 'the Eko transaction id', tidArgument);

  addStartOptions(refundCommand('start', 'start the refund of a failed Eko transaction (or show the one running)'))
    .addOption(actor())
    .action((tid: string, options: StartOptions) => parsed({ name: 'start', input: startInput(tid, options, env) }));

  refundCommand('otp', "submit the customer's OTP; answers once Eko has seen it")
    .argument('[otp]', 'avoid: the process list and shell history show it; leave it out to be asked for it')
    .option('--otp-ref-id <id>', 'the otp_ref_id Eko gave with this OTP, if it came from outside this refund')
    .addOption(actor())
    .addHelpText('after', OTP_EXAMPLES)
    .action(async (tid: string, otpArgument: string | undefined, options: { otpRefId?: string; actor?: string }) => {
      if (otpArgument !== undefined) writeErr(`${OTP_IN_ARGV_WARNING}\n`);
      const otp = otpArgument ?? (await readOtp());
      redactor.add(otp, options.otpRefId);
      const submission = { otp, otpRefId: options.otpRefId, actor: resolveActor(options.actor, env) };
      parsed({ name: 'otp', tid, submission: parseOrThrow(otpSubmissionSchema, definedOnly(submission), 'OTP') });
    });

  refundCommand('resend-otp', 'ask Eko to text the customer a new OTP')
    .addOption(actor())
    .action((tid: string, options: { actor?: string }) => {
      const request = definedOnly({ actor: resolveActor(options.actor, env) });
      parsed({ name: 'resend-otp', tid, request: parseOrThrow(resendRequestSchema, request, 'resend request') });
    });

  refundCommand('status', "where the refund stands: phase, OTP, Eko's last answer, amounts, retries").action(
    (tid: string) => parsed({ name: 'status', tid }),
  );

  program
    .command('list')
    .description('refunds, newest first')
    .addOption(new Option('--phase <phase>', 'only refunds in this phase (any case)').argParser(phase))
    .option('--limit <n>', 'at most this many', atLeastOne, 20)
    .action((options: { phase?: Phase; limit: number }) => parsed({ name: 'list', ...options }));

  refundCommand('cancel', 'cancel a refund that has not reached Eko yet')
    .option('--reason <why>', "why (required), kept in the refund's history and result")
    .addOption(actor())
    .action((tid: string, options: { reason?: string; actor?: string }) => {
      // A missing reason goes to the schema as empty: the contract says it is required, not the CLI.
      const request = definedOnly({ reason: options.reason ?? '', actor: resolveActor(options.actor, env) });
      parsed({ name: 'cancel', tid, request: parseOrThrow(cancelRequestSchema, request, 'cancel request') });
    });

  refundCommand('watch', 'print each phase change until the refund ends; exits with its outcome')
    .addOption(new Option('--interval <seconds>', 'how often to look').argParser(intervalSeconds).default(1000, '1'))
    .action((tid: string, options: { interval: number }) =>
      parsed({ name: 'watch', tid, intervalMs: options.interval }),
    );

  refundCommand('result', "wait for the refund's outcome (no output until it ends); exits with it").action(
    (tid: string) => parsed({ name: 'result', tid }),
  );
  return program;
}

/** commander's own message ("unknown option '--foo'", "missing required argument 'tid'"), and where to look. */
function usageError(err: CommanderError, program: Program, argv: string[]): CliError {
  const names = program.commands.map((c) => c.name());
  const name = argv.find((arg) => names.includes(arg));
  const help = name ? `${CLI} ${name} --help` : `${CLI} --help`;
  const problem = err.code === 'commander.help' ? 'no command given' : err.message.replace(/^error: /, '');
  return new CliError(ExitCode.USAGE, `${problem.replace(/\n/g, ' ').replace(/\.$/, '')}. See ${help}.`);
}
