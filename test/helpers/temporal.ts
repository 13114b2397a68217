// Starts Temporal servers for integration tests from the locally installed binaries, so tests run
// without internet. One server per test file (beforeAll/afterAll); a first start takes seconds.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { type EphemeralServerExecutable, TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { devServerExecutable, timeSkippingServerExecutable } from '../../src/temporal-binaries';

// The public search attributes of the refund workflow (see refund-workflow.md); a fresh dev
// server knows none of them, and upserting an unregistered one fails the workflow task.
export const REFUND_SEARCH_ATTRIBUTES = [
  defineSearchAttributeKey('RefundPhase', SearchAttributeType.KEYWORD),
  defineSearchAttributeKey('EkoTid', SearchAttributeType.KEYWORD),
];

export interface TestServer {
  env: TestWorkflowEnvironment;
  /** What the server was started from, so tests can tell which binary ran. */
  executable: EphemeralServerExecutable;
}

// At INFO the worker logs each state change and the whole webpack report for every bundle, which
// buries test failures. Must run before anything creates the SDK's runtime; the SDK reuses these
// options if it later re-creates the runtime.
export function quietTemporalRuntime(): void {
  if (Runtime._instance === undefined) Runtime.install({ logger: new DefaultLogger('WARN') });
}

/** A full Temporal dev server (in memory, no UI) with the refund search attributes registered. */
export async function startDevServer(): Promise<TestServer> {
  quietTemporalRuntime();
  const executable = devServerExecutable();
  const env = await TestWorkflowEnvironment.createLocal({
    server: { executable, searchAttributes: REFUND_SEARCH_ATTRIBUTES },
  });
  return { env, executable };
}

/** The time-skipping test server: timers fire as soon as the workflow is only waiting on them. */
export async function startTimeSkippingServer(): Promise<TestServer> {
  quietTemporalRuntime();
  const executable = timeSkippingServerExecutable();
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable } });
  return { env, executable };
}
