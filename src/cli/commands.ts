import { WorkflowFailedError } from '@temporalio/client';
import type { RefundClient } from '../client';
import { isOutcome, type Phase, RefundOutcome, RefundPhase, type SubmitOtpResponse } from '../contract';
import type { Command } from './program';
import { workflowStatus } from './errors';
import { CLI, CliError, ExitCode, exitCodeForOutcome } from './exit-codes';
import { formatList, formatOtpAnswer, formatResult, formatStatus, formatTransition } from './format';

export interface Output {
  exitCode: ExitCode;
  /** For people. */
  text: string;
  /** For scripts (--json): one document. */
  json: unknown;
}

export interface CommandContext {
  refunds: RefundClient;
  /** Lines printed while a command runs (watch's phase changes, "still waiting"); silent with --json. */
  progress(line: string): void;
  /** Notices for people that are not the command's output. */
  notice(line: string): void;
}

type Handler<C extends Command> = (command: C, ctx: CommandContext) => Promise<Output>;
type Handlers = { [N in Command['name']]: Handler<Extract<Command, { name: N }>> };

const handlers: Handlers = {
  start: async ({ input }, { refunds }) => {
    const started = await refunds.start(input);
    const { tid } = input;
    const next =
      input.requestOtp === false
        ? 'It waits for the OTP Eko already texted the customer.'
        : 'Eko texts the customer an OTP.';
    return {
      exitCode: ExitCode.OK,
      json: { tid, ...started },
      text: [
        `Refund of tid ${tid} is running: workflow ${started.workflowId}, run ${started.runId}.`,
        '(A tid has one refund workflow: if one was already running, this is it.)',
        `${next} When the customer reads it to you, run this and type it at the prompt:`,
        `  ${CLI} otp ${tid}`,
        `Follow it with: ${CLI} status ${tid}   or   ${CLI} watch ${tid}`,
      ].join('\n'),
    };
  },

  otp: async ({ tid, submission }, { refunds, notice }) => {
    // The update answers once Eko has seen the OTP; Eko may be slow, or the call retried.
    const slow = setTimeout(
      () =>
        notice(
          `Still waiting for Eko's answer (the refund call may be retrying). Ctrl-C is safe: ` +
            `the refund goes on; check it with ${CLI} status ${tid}`,
        ),
      15_000,
    );
    try {
      const answer = await refunds.submitOtp(tid, submission);
      return { exitCode: otpExitCode(answer), json: { tid, ...answer }, text: formatOtpAnswer(tid, answer) };
    } finally {
      clearTimeout(slow);
    }
  },

  'resend-otp': async ({ tid, request }, { refunds }) => {
    const { phase, resendCount } = await refunds.resendOtp(tid, request);
    const text = isOutcome(phase)
      ? `${phase}: the refund ended while requesting a new OTP; see ${CLI} status ${tid}`
      : `${phase}: a new OTP was requested from Eko (resent ${resendCount} time(s)). ` +
        `When the customer reads it to you, run ${CLI} otp ${tid} and type it at the prompt.`;
    return { exitCode: phaseExitCode(phase), json: { tid, phase, resendCount }, text };
  },

  status: async ({ tid }, { refunds }) => {
    const status = await refunds.getState(tid);
    return { exitCode: ExitCode.OK, json: status, text: formatStatus(status) };
  },

  list: async ({ phase, limit }, { refunds }) => {
    const rows = await refunds.list({ phase, limit });
    return { exitCode: ExitCode.OK, json: rows, text: formatList(rows) };
  },

  cancel: async ({ tid, request }, { refunds }) => {
    const { phase } = await refunds.cancel(tid, request);
    return { ...cancelAnswer(tid, phase), json: { tid, phase } };
  },

  watch: async ({ tid, intervalMs }, { refunds, progress }) => {
    let shown: string | undefined;
    for (;;) {
      const status = await refunds.getState(tid);
      // The phase as it is now: a running refund is read from what visibility keeps, its last move only.
      const now = status.transitions.at(-1);
      if (now && `${now.at} ${now.to}` !== shown) progress(formatTransition(now));
      shown = now && `${now.at} ${now.to}`;
      if (status.outcome !== undefined) {
        const text = `${status.outcome}: ${status.transitions.at(-1)?.reason ?? ''}`;
        return { exitCode: exitCodeForOutcome(status.outcome), json: status, text };
      }
      await assertStillRunning(refunds, tid);
      await sleep(intervalMs);
    }
  },

  result: async ({ tid }, { refunds }) => {
    try {
      const result = await refunds.result(tid);
      return { exitCode: exitCodeForOutcome(result.outcome), json: result, text: formatResult(result) };
    } catch (err) {
      if (err instanceof WorkflowFailedError) throw endedWithoutOutcome(tid, err.cause?.message ?? err.message);
      throw err;
    }
  },
};

export function execute(command: Command, ctx: CommandContext): Promise<Output> {
  const handler = handlers[command.name] as Handler<Command>;
  return handler(command, ctx);
}

function otpExitCode(answer: SubmitOtpResponse): ExitCode {
  if (answer.phase === RefundPhase.AWAITING_OTP || answer.phase === RefundPhase.SENDING_OTP) {
    return ExitCode.OTP_NOT_ACCEPTED;
  }
  return phaseExitCode(answer.phase);
}

function cancelAnswer(tid: string, phase: Phase): { exitCode: ExitCode; text: string } {
  if (phase === RefundOutcome.CANCELLED) {
    return {
      exitCode: ExitCode.OK,
      text: `CANCELLED: the refund of tid ${tid} was cancelled before anything reached Eko.`,
    };
  }
  if (phase === RefundPhase.PENDING) {
    // The cancel's inquiry found a refund under way at Eko (in a run made by a reset).
    return {
      exitCode: ExitCode.REFUSED,
      text: `PENDING: not cancelled, Eko shows a refund under way; it is tracked to its outcome (${CLI} status ${tid})`,
    };
  }
  return {
    exitCode: phaseExitCode(phase),
    text: `${phase}: the refund ended before the cancel took effect; see ${CLI} status ${tid}`,
  };
}

const phaseExitCode = (phase: Phase): ExitCode => (isOutcome(phase) ? exitCodeForOutcome(phase) : ExitCode.OK);

/** A workflow terminated by hand (or failed by a bug) never reaches an outcome: stop watching it. */
async function assertStillRunning(refunds: RefundClient, tid: string): Promise<void> {
  const status = await workflowStatus(refunds, tid);
  if (status !== 'RUNNING') throw endedWithoutOutcome(tid, `workflow status ${status}`);
}

function endedWithoutOutcome(tid: string, why: string): CliError {
  return new CliError(
    ExitCode.ENDED_WITHOUT_OUTCOME,
    `the refund workflow for tid ${tid} closed without an outcome (${why}). Look at its history in the ` +
      `Temporal Web UI; if the refund may have reached Eko, check the transaction with Eko before starting it again.`,
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
