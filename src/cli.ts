#!/usr/bin/env node
/**
 * `eko-refund`: the CLI for support staff and operators. Thin: it parses the command line, calls
 * RefundClient, and prints what came back. `eko-refund --help` lists commands and exit codes.
 */
import { RefundClient } from './client';
import { execute } from './cli/commands';
import { explain, unreachable } from './cli/errors';
import type { CliError } from './cli/exit-codes';
import { type Command, parseCommandLine } from './cli/program';
import { redactor } from './logging';

async function run(): Promise<void> {
  const argv = process.argv.slice(2);
  const json = argv.includes('--json');
  let command: Command | undefined;
  let refunds: RefundClient | undefined;
  try {
    const invocation = await parseCommandLine(argv);
    if ('exitCode' in invocation) {
      process.exitCode = invocation.exitCode;
      return;
    }
    command = invocation.command;
    refunds = await connect();
    const output = await execute(command, {
      refunds,
      progress: (line) => {
        if (!json) print(line);
      },
      notice: (line) => printError(line),
    });
    print(json ? JSON.stringify(output.json, null, 2) : output.text);
    process.exitCode = output.exitCode;
  } catch (err) {
    const failure = explain(err, { tid: command && 'tid' in command ? command.tid : undefined });
    printFailure(failure, json);
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

// Everything printed passes the process redactor: it holds the configured secrets and the OTP
// and otp_ref_id of this command, so no message can carry them out.
const print = (text: string) => console.log(redactor.redactText(text));
const printError = (text: string) => console.error(redactor.redactText(text));

function printFailure(failure: CliError, json: boolean): void {
  if (json) print(JSON.stringify({ error: { exitCode: failure.exitCode, message: failure.message } }, null, 2));
  else printError(`eko-refund: ${failure.message}`);
}

run().catch((err) => {
  console.error(err);
  process.exit(1);
});
