import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { InvalidInputError } from '../contract';
import { CLI } from './exit-codes';

export interface OtpSource {
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  /** Where the prompt goes: stderr, so that stdout holds only the command's output (--json). */
  prompt: NodeJS.WritableStream;
}

export const OTP_PROMPT = 'OTP (typing is not shown): ';

/**
 * The OTP typed at a terminal without echo, or the first line of piped stdin. Never from the
 * command line, which the process list and the shell history show.
 */
export function readOtp(
  { input, prompt }: OtpSource = { input: process.stdin, prompt: process.stderr },
): Promise<string> {
  const tty = input.isTTY === true;
  // On a terminal readline turns echo off (raw mode) and echoes itself, to `output`: a sink here.
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
  const lines = createInterface({ input, output: tty ? sink : undefined, terminal: tty });
  // Prompt only once echo is off, so that nothing typed early shows.
  if (tty) prompt.write(OTP_PROMPT);
  return new Promise((resolve, reject) => {
    let otp: string | undefined;
    lines.once('line', (line) => {
      otp = line.trim();
      lines.close();
    });
    lines.once('SIGINT', () => lines.close());
    lines.once('close', () => {
      if (tty) prompt.write('\n');
      if (otp !== undefined) resolve(otp);
      else reject(new InvalidInputError(tty ? 'no OTP entered; nothing was sent' : NO_OTP_ON_STDIN));
    });
  });
}

const NO_OTP_ON_STDIN = `no OTP on stdin: pipe it in (echo <otp> | ${CLI} otp <tid>) or run in a terminal to be asked for it`;
