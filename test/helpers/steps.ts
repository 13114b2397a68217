import type { ChildProcess } from 'node:child_process';
import { hasExited } from '../../tools/children';
import { waitFor } from './wait';

/**
 * Follows a child that reports its progress as JSON lines (`{ "step": "started", ... }`) on stdout:
 * the returned `step(name)` waits for that report and fails at once if the child reported an
 * `error` step or exited instead, with its stderr. `who` names the child in failures.
 */
export function followSteps(child: ChildProcess, who: string): (name: string) => Promise<Record<string, unknown>> {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return async (name) => {
    const seen = await waitFor(
      `${who}'s "${name}"`,
      async () => {
        const messages = stdout
          .split('\n')
          .filter((line) => line.startsWith('{'))
          .map((line) => JSON.parse(line) as Record<string, unknown>);
        return { message: messages.find((m) => m.step === name || m.step === 'error'), exited: hasExited(child) };
      },
      ({ message, exited }) => message !== undefined || exited,
      { timeoutMs: 60_000 },
    );
    if (seen.message?.step !== name) {
      throw new Error(`${who} stopped before "${name}": ${JSON.stringify(seen.message)}\n${stderr}`);
    }
    return seen.message;
  };
}
