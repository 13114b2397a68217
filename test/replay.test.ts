import fs from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { workflowIdFor } from '../src/contract';
import { HISTORIES_DIR } from './helpers/histories';
import { quietTemporalRuntime } from '../tools/temporal-server';

/**
 * Replays recorded histories of the main refund paths against today's workflow code: a change
 * that would break running refunds (non-determinism) fails here. Before 1.0.0 no refund of older
 * code runs anywhere, so a change of the commands re-records them (docs/development.md, "Changing
 * the workflow"): `RECORD_HISTORIES=1 npx jest test/integration/refund-workflow test/integration/webhooks
 * test/integration/refund-otp-timeout test/integration/message-races`.
 */
quietTemporalRuntime();
const fixtures = fs
  .readdirSync(HISTORIES_DIR, { recursive: true, encoding: 'utf8' })
  .filter((file) => file.endsWith('.json'))
  .sort();

test('there are recorded histories to replay', () => {
  expect(fixtures.length).toBeGreaterThanOrEqual(7);
});

test.each(fixtures)('replays %s deterministically', async (file) => {
  const history = JSON.parse(fs.readFileSync(path.join(HISTORIES_DIR, file), 'utf8')) as ExportedHistory;
  await Worker.runReplayHistory({ workflowsPath: require.resolve('../src/workflows') }, history, workflowIdOf(history));
});

/** The shape `temporal workflow show --output json` writes, as far as it is read here. */
interface ExportedHistory {
  events: Array<{ workflowExecutionStartedEventAttributes?: { input?: { payloads?: Array<{ data?: string }> } } }>;
}

/** The workflow checks that it runs as refund-<tid>: replay it under the id it ran with. */
function workflowIdOf(history: ExportedHistory): string {
  const input = history.events[0].workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.data ?? '';
  const { tid } = JSON.parse(Buffer.from(input, 'base64').toString('utf8')) as { tid: string };
  return workflowIdFor(tid);
}
