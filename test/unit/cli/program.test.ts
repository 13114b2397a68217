import { InvalidInputError } from '../../../src/contract';
import { CliError, ExitCode } from '../../../src/cli/exit-codes';
import { type Invocation, type ParseContext, parseCommandLine } from '../../../src/cli/program';

/** Parses a command line as the CLI does, with the OTP source, environment and output in hand. */
async function parse(argv: string[], { env = {}, otp = '123456' }: { env?: NodeJS.ProcessEnv; otp?: string } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  let prompted = 0;
  const context: ParseContext = {
    env,
    readOtp: async () => {
      prompted += 1;
      return otp;
    },
    writeOut: (text) => out.push(text),
    writeErr: (text) => err.push(text),
  };
  const invocation: Invocation = await parseCommandLine(argv, context);
  return { invocation, out: out.join(''), err: err.join(''), prompted };
}

async function command(argv: string[], options?: Parameters<typeof parse>[1]) {
  const { invocation } = await parse(argv, options);
  if (!('command' in invocation)) throw new Error(`no command: ${JSON.stringify(invocation)}`);
  return invocation.command;
}

async function usageError(argv: string[]): Promise<CliError> {
  const error = await parse(argv).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CliError);
  expect((error as CliError).exitCode).toBe(ExitCode.USAGE);
  return error as CliError;
}

const ALICE = { EKO_REFUND_ACTOR: 'alice' };

describe('otp', () => {
  it('without the OTP on the command line, asks for it and sends the actor from EKO_REFUND_ACTOR', async () => {
    const { invocation, prompted, err } = await parse(['otp', '1000000001'], { env: ALICE, otp: '0123' });
    expect(invocation).toEqual({
      command: { name: 'otp', tid: '1000000001', submission: { otp: '0123', actor: 'alice' } },
      json: false,
    });
    expect(prompted).toBe(1);
    expect(err).toBe('');
  });

  it('with the OTP on the command line, still works and warns that the process list shows it', async () => {
    const { invocation, prompted, err } = await parse(['otp', '1000000001', '654321']);
    expect(invocation).toMatchObject({ command: { submission: { otp: '654321' } } });
    expect(prompted).toBe(0);
    expect(err).toMatch(/^eko-refund: warning: an OTP on the command line is visible in the process list.*\n$/);
    expect(err).not.toContain('654321');
  });

  it('refuses a malformed OTP with the contract schema, naming the field and not the value', async () => {
    const error = await parse(['otp', '1000000001'], { otp: '12ab' }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toBe('invalid OTP: otp: otp must be 4 to 8 digits');
  });

  it('sends --otp-ref-id and --actor, which wins over EKO_REFUND_ACTOR', async () => {
    const otp = await command(['otp', '1000000001', '--otp-ref-id', 'ref-9', '--actor', 'bob'], { env: ALICE });
    expect(otp).toMatchObject({ submission: { otp: '123456', otpRefId: 'ref-9', actor: 'bob' } });
  });
});

describe('start', () => {
  it('passes the options as given, numbers parsed and durations kept as written', async () => {
    const start = await command(
      ['start', '1000000001', '--no-request-otp', '--otp-timeout', '2 hours', '--poll-interval', '90000'].concat([
        '--max-otp-attempts',
        '5',
        '--max-resends',
        '0',
        '--reason',
        'agent returned the cash',
      ]),
      { env: ALICE },
    );
    expect(start).toEqual({
      name: 'start',
      input: {
        tid: '1000000001',
        requestOtp: false,
        otpTimeout: '2 hours',
        pollInterval: '90000',
        maxOtpAttempts: 5,
        maxResends: 0,
        reason: 'agent returned the cash',
        requestedBy: 'alice',
      },
    });
  });

  it('records --requested-by when given, else --actor', async () => {
    expect(await command(['start', '1', '--requested-by', 'desk', '--actor', 'bob'])).toMatchObject({
      input: { requestedBy: 'desk' },
    });
    expect(await command(['start', '1', '--actor', 'bob'], { env: ALICE })).toMatchObject({
      input: { requestedBy: 'bob' },
    });
  });

  it("leaves the refund input's rules to the contract: a bad combination is named", async () => {
    const error = await parse(['start', '1', '--poll-interval', '1 hour']).catch((e: Error) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toMatch(/maxPollInterval: must be at least pollInterval/);
  });
});

describe('the other commands', () => {
  it('resend-otp and cancel send the actor; cancel its reason', async () => {
    expect(await command(['resend-otp', '7'], { env: ALICE })).toEqual({
      name: 'resend-otp',
      tid: '7',
      request: { actor: 'alice' },
    });
    expect(await command(['cancel', '7', '--reason', 'duplicate', '--actor', 'bob'])).toEqual({
      name: 'cancel',
      tid: '7',
      request: { reason: 'duplicate', actor: 'bob' },
    });
  });

  it('cancel without --reason is refused by the contract schema', async () => {
    await expect(parse(['cancel', '7'])).rejects.toThrow('invalid cancel request: reason: reason is required');
  });

  it('list takes a phase in any case and a limit; watch an interval in seconds', async () => {
    expect(await command(['list', '--phase', 'awaiting_otp', '--limit', '5'])).toEqual({
      name: 'list',
      phase: 'AWAITING_OTP',
      limit: 5,
    });
    expect(await command(['list'])).toEqual({ name: 'list', limit: 20 });
    expect(await command(['watch', '7', '--interval', '0.2'])).toEqual({ name: 'watch', tid: '7', intervalMs: 200 });
  });

  it('--json is understood before or after the command', async () => {
    expect((await parse(['status', '7', '--json'])).invocation).toEqual({
      command: { name: 'status', tid: '7' },
      json: true,
    });
    expect((await parse(['--json', 'result', '7'])).invocation).toMatchObject({ json: true });
  });
});

describe('bad arguments exit with the usage code and name the problem', () => {
  it.each([
    [['stat', '7'], "unknown command 'stat' (Did you mean start?). See eko-refund --help."],
    [['status'], "missing required argument 'tid'. See eko-refund status --help."],
    [
      ['status', '7', '8'],
      "too many arguments for 'status'. Expected 1 argument but got 2. See eko-refund status --help.",
    ],
    [['status', '7', '--verbose'], "unknown option '--verbose'. See eko-refund status --help."],
    [['status', 'abc'], "command-argument value 'abc' is invalid for argument 'tid'. tid must be 1 to 20 digits."],
    [['list', '--limit', '0'], "option '--limit <n>' argument '0' is invalid. Must be at least 1."],
    [['list', '--phase', 'DONE'], "option '--phase <phase>' argument 'DONE' is invalid. Must be one of CHECKING"],
    [['watch', '7', '--interval', '0'], "option '--interval <seconds>' argument '0' is invalid. Must be 0.1 to 3600"],
    [['start', '7', '--max-resends', 'x'], "option '--max-resends <n>' argument 'x' is invalid. Must be a whole"],
    [['otp', '7', '123456', '1'], "too many arguments for 'otp'. Expected 2 arguments but got 3."],
    [[], 'no command given. See eko-refund --help.'],
  ])('%j', async (argv, message) => {
    expect((await usageError(argv)).message).toContain(message);
  });
});

describe('--help', () => {
  it.each(['start', 'otp', 'resend-otp', 'status', 'list', 'cancel', 'watch', 'result'])(
    '%s --help prints its usage on stdout and exits 0',
    async (name) => {
      const { invocation, out } = await parse([name, '--help']);
      expect(invocation).toEqual({ exitCode: ExitCode.OK });
      expect(out).toContain(`Usage: eko-refund ${name} [options]`);
    },
  );

  it('shows the prompt form of otp, and the exit codes', async () => {
    expect((await parse(['otp', '--help'])).out).toContain('$ eko-refund otp 1000000001 ');
    expect((await parse(['--help'])).out).toMatch(/Exit codes:[\s\S]*15 {2}the workflow closed without an outcome/);
  });
});
