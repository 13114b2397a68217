import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from '@temporalio/worker';
import { sleepFor } from '../fixtures/workflows/sleeper';
import { startTimeSkippingServer, type TestServer } from '../helpers/temporal';

const PROJECT_TEST_SERVER = path.resolve(__dirname, '../../.temporal/venv/bin/temporal-test-server');
const ONE_DAY_MS = 24 * 60 * 60 * 1000;

let server: TestServer;

beforeAll(async () => {
  server = await startTimeSkippingServer();
}, 120_000);

afterAll(async () => {
  await server?.env.teardown();
});

describe('Temporal time-skipping test server from the installed binary', () => {
  test('runs the project-local test server, or the one TEMPORAL_TEST_SERVER_PATH names', () => {
    const expected = process.env.TEMPORAL_TEST_SERVER_PATH
      ? path.resolve(process.env.TEMPORAL_TEST_SERVER_PATH)
      : PROJECT_TEST_SERVER;
    expect(server.executable).toEqual({ type: 'existing-path', path: expected });
    expect(server.env.supportsTimeSkipping).toBe(true);
  });

  test('a one-day workflow timer completes in seconds of wall time', async () => {
    const taskQueue = 'time-skipping-smoke';
    const worker = await Worker.create({
      connection: server.env.nativeConnection,
      taskQueue,
      workflowsPath: require.resolve('../fixtures/workflows/sleeper'),
    });
    const serverTimeBefore = await server.env.currentTimeMs();
    const wallStart = performance.now();

    const report = await worker.runUntil(
      server.env.client.workflow.execute(sleepFor, { taskQueue, workflowId: 'sleep-one-day', args: ['1 day'] }),
    );

    const wallMs = performance.now() - wallStart;
    const serverTimeAfter = await server.env.currentTimeMs();
    expect(report.wokeAtMs - report.startedAtMs).toBeGreaterThanOrEqual(ONE_DAY_MS);
    expect(serverTimeAfter - serverTimeBefore).toBeGreaterThanOrEqual(ONE_DAY_MS);
    expect(wallMs).toBeLessThan(30_000);
  });
});
