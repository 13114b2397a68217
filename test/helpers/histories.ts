import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { workflowIdFor } from '../../src/contract';

export const HISTORIES_DIR = path.resolve(__dirname, '../fixtures/histories');

/** Events in a refund's history, read from the server. */
export async function historyLength(client: Client, tid: string): Promise<number> {
  const history = await client.workflow.getHandle(workflowIdFor(tid)).fetchHistory();
  return history.events?.length ?? 0;
}

/**
 * With RECORD_HISTORIES=1, saves the refund's history as a replay fixture (test/replay.test.ts
 * replays every fixture on each run, so a non-deterministic workflow change fails CI).
 */
export async function recordHistory(client: Client, tid: string, name: string): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const history = await client.workflow.getHandle(workflowIdFor(tid)).fetchHistory();
  fs.mkdirSync(HISTORIES_DIR, { recursive: true });
  fs.writeFileSync(
    path.join(HISTORIES_DIR, `${name}.json`),
    `${JSON.stringify(JSON.parse(historyToJSON(history)), null, 2)}\n`,
  );
}
