#!/usr/bin/env node
/**
 * `eko-refund`: the CLI for support staff and operators. Thin: it parses the command line, calls
 * RefundClient, and prints what came back. `eko-refund --help` lists commands and exit codes.
 */
import { RefundClient } from './client';
import { type Command, parseInvocation } from './cli/args';
import { execute, type Output } from './cli/commands';
import { explain, unreachable } from './cli/errors';
import type { CliError } from './cli/exit-codes';

async function run(): Promise<void> {
  const argv = process.argv.slice(2);
  const json = argv.includes('--json');
  let command: Command | undefined;
  let refunds: RefundClient | undefined;
  try {
    const invocation = parseInvocation(argv);
    if ('help' in invocation) return console.log(invocation.help);
    command = invocation.command;
    refunds = await connect();
    const output = await execute(command, {
      refunds,
      progress: (line) => {
        if (!json) console.log(line);
      },
      notice: (line) => console.error(line),
    });
    printOutput(output, json);
    process.exitCode = output.exitCode;
  } catch (err) {
    const failure = explain(err, { tid: command && 'tid' in command ? command.tid : undefined });
    printFailure(failure, json, secretsIn(command));
    process.exitCode = failure.exitCode;
  } finally {
    await refunds?.client.connection.close();
  }
}

async function connect(): Promise<RefundClient> {
  try {
    return await RefundClient.connect();
  } catch (err) {
    throw unreachable(err);
  }
}

function printOutput(output: Output, json: boolean): void {
  console.log(json ? JSON.stringify(output.json, null, 2) : output.text);
}

function printFailure(failure: CliError, json: boolean, secrets: string[]): void {
  const message = redact(failure.message, secrets);
  if (json) console.log(JSON.stringify({ error: { exitCode: failure.exitCode, message } }, null, 2));
  else console.error(`eko-refund: ${message}`);
}

/** Secrets this process holds. Messages should never contain them; this makes sure of it. */
function secretsIn(command: Command | undefined): string[] {
  const fromCommand =
    command?.name === 'otp'
      ? [command.submission.otp, command.submission.otpRefId]
      : command?.name === 'start'
        ? [command.input.otpRefId]
        : [];
  const fromEnv = [process.env.EKO_ACCESS_KEY, process.env.TEMPORAL_API_KEY];
  return [...fromCommand, ...fromEnv].filter((s): s is string => typeof s === 'string' && s.length > 0);
}

/** Whole tokens only: an OTP such as 0000 must not blank out part of a tid. */
function redact(message: string, secrets: string[]): string {
  return secrets.reduce((text, secret) => {
    const escaped = secret.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return text.replace(new RegExp(`(?<![\\w-])${escaped}(?![\\w-])`, 'g'), '[redacted]');
  }, message);
}

run().catch((err) => {
  console.error(err);
  process.exit(1);
});
