import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { greet } from '../fixtures/workflows/trivial';
import { startDevServer, type TestServer } from '../helpers/temporal';

const PROJECT_CLI = path.resolve(__dirname, '../../.temporal/venv/bin/temporal');
const NAMESPACE = 'default';

let server: TestServer;

beforeAll(async () => {
  server = await startDevServer();
}, 120_000);

afterAll(async () => {
  await server?.env.teardown();
});

describe('Temporal dev server from the installed CLI', () => {
  test('runs the project-local CLI, or the one TEMPORAL_CLI_PATH names', () => {
    const expected = process.env.TEMPORAL_CLI_PATH ? path.resolve(process.env.TEMPORAL_CLI_PATH) : PROJECT_CLI;
    expect(server.executable).toEqual({ type: 'existing-path', path: expected });
  });

  test('the running server is the version that binary bundles', async () => {
    if (server.executable.type !== 'existing-path') throw new Error('no local CLI');
    const { serverVersion } = await server.env.connection.workflowService.getClusterInfo({});
    const cliVersion = execFileSync(server.executable.path, ['--version'], { encoding: 'utf8' });
    expect(cliVersion).toContain(`Server ${serverVersion}`);
  });

  test('registers the refund search attributes as Keyword', async () => {
    const { customAttributes } = await server.env.connection.operatorService.listSearchAttributes({
      namespace: NAMESPACE,
    });
    const keyword = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
    expect(customAttributes).toMatchObject({ RefundPhase: keyword, EkoTid: keyword });
  });

  test('a worker runs a workflow to completion', async () => {
    const taskQueue = 'dev-server-smoke';
    const worker = await Worker.create({
      connection: server.env.nativeConnection,
      namespace: NAMESPACE,
      taskQueue,
      workflowsPath: require.resolve('../fixtures/workflows/trivial'),
    });

    const result = await worker.runUntil(
      server.env.client.workflow.execute(greet, { taskQueue, workflowId: 'greet-eko', args: ['Eko'] }),
    );

    expect(result).toBe('Hello, Eko!');
  });
});
