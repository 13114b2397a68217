import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { workflowIdFor } from '../../src/contract';
import { temporalCli } from './temporal-cli';

/**
 * Replay fixtures, recorded from the current workflow code (test/replay.test.ts replays them all).
 * Before 1.0.0 nothing older runs anywhere; from 1.0.0 on, each release's histories stay here.
 */
export const HISTORIES_DIR = path.resolve(__dirname, '../fixtures/histories');

/** Events in a refund's history, read from the server. */
export async function historyLength(client: Client, tid: string): Promise<number> {
  const history = await client.workflow.getHandle(workflowIdFor(tid)).fetchHistory();
  return history.events?.length ?? 0;
}

/**
 * With RECORD_HISTORIES=1, saves the refund's history as a replay fixture, as the official CLI
 * exports it (`temporal workflow show --output json`). A non-deterministic workflow change then
 * fails CI.
 */
export async function recordHistory(address: string, tid: string, name: string): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const json = await temporalCli(address, [
    'workflow',
    'show',
    '--workflow-id',
    workflowIdFor(tid),
    '--output',
    'json',
  ]);
  fs.mkdirSync(HISTORIES_DIR, { recursive: true });
  fs.writeFileSync(path.join(HISTORIES_DIR, `${name}.json`), `${JSON.stringify(JSON.parse(json), null, 2)}\n`);
}
