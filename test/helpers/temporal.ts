// Temporal servers for integration tests, from the locally installed binaries, so tests run without
// internet. One server per test file (beforeAll/afterAll); a first start takes seconds.
import { type EphemeralServerExecutable, TestWorkflowEnvironment } from '@temporalio/testing';
import { SEARCH_ATTRIBUTES } from '../../src/contract';
import { INDEXED_VALUE_TYPE } from '../../src/worker';
import { devServerExecutable, timeSkippingServerExecutable } from '../../tools/temporal-binaries';
import { quietTemporalRuntime, startLocalServer } from '../../tools/temporal-server';

export interface TestServer {
  env: TestWorkflowEnvironment;
  /** What the server was started from, so tests can tell which binary ran. */
  executable: EphemeralServerExecutable;
}

/** A full Temporal dev server (in memory, no UI) with the refund search attributes registered. */
export async function startDevServer(): Promise<TestServer> {
  return { env: await startLocalServer(), executable: devServerExecutable() };
}

/**
 * The time-skipping test server: timers fire as soon as the workflow is only waiting on them. It
 * takes no search attributes at start and cannot list them, so they are added here.
 */
export async function startTimeSkippingServer(): Promise<TestServer> {
  quietTemporalRuntime();
  const executable = timeSkippingServerExecutable();
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable } });
  await env.nativeConnection.operatorService.addSearchAttributes({
    namespace: 'default',
    searchAttributes: Object.fromEntries(
      Object.values(SEARCH_ATTRIBUTES).map(({ name, type }) => [name, INDEXED_VALUE_TYPE[type]]),
    ),
  });
  return { env, executable };
}
