// The official `temporal` CLI against the run's dev server, as an operator types it: the calls the
// Web UI's buttons make (cancel, reset, signal). Payloads it sends are plain JSON, not encrypted.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { inheritedEnv } from '../../tools/children';
import { temporalCliPath } from '../../tools/temporal-binaries';

const run = promisify(execFile);
const CLI_TIMEOUT_MS = 30_000;
/** A history exported as JSON (`workflow show --output json`) can pass node's default 1 MB. */
const CLI_OUTPUT_MAX_BYTES = 256 * 1024 * 1024;

export type TemporalCli = (args: string[]) => Promise<string>;

export function temporalCli(address: string, namespace = 'default'): TemporalCli {
  const binary = temporalCliPath();
  // Nothing of this shell's Temporal settings (TEMPORAL_ADDRESS, API keys, profiles) leaks in.
  const env = inheritedEnv();
  return async (args) => {
    try {
      const { stdout } = await run(binary, [...args, '--address', address, '--namespace', namespace], {
        env,
        timeout: CLI_TIMEOUT_MS,
        maxBuffer: CLI_OUTPUT_MAX_BYTES,
      });
      return stdout;
    } catch (err) {
      // The CLI says why on stderr ("workflow execution already completed"...); its command line says little.
      const { stderr } = err as { stderr?: string };
      throw new Error(`temporal ${args.slice(0, 2).join(' ')}: ${stderr?.trim() || (err as Error).message}`);
    }
  };
}
