import fs from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { HISTORIES_DIR } from './helpers/histories';
import { quietTemporalRuntime } from '../tools/temporal-server';

/**
 * Replays recorded histories of the main refund paths against today's workflow code: a change
 * that would break running refunds (non-determinism) fails here. Record them anew with
 * `RECORD_HISTORIES=1 npx jest test/integration/refund-workflow` when a change is meant to be
 * incompatible, and guard it with `patched()` for the refunds already running.
 */
quietTemporalRuntime();
const fixtures = fs.readdirSync(HISTORIES_DIR).filter((file) => file.endsWith('.json'));

test('there are recorded histories to replay', () => {
  expect(fixtures.length).toBeGreaterThanOrEqual(5);
});

test.each(fixtures)('replays %s deterministically', async (file) => {
  const history = historyFromJSON(JSON.parse(fs.readFileSync(path.join(HISTORIES_DIR, file), 'utf8')));
  await Worker.runReplayHistory({ workflowsPath: require.resolve('../src/workflows') }, history, file);
});
