// Every process of the cluster writes to a log file of its own under .data/cluster/logs/.
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';

/** Appends the child's stdout and stderr to `file` (kept across restarts of the cluster). */
export function appendLog(child: ChildProcess, file: string): void {
  const out = fs.createWriteStream(file, { flags: 'a' });
  child.stdout?.pipe(out, { end: false });
  child.stderr?.pipe(out, { end: false });
  child.once('close', () => out.end());
}
