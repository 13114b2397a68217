/**
 * Every workflow the worker caches evaluates the workflow bundle's modules anew (the SDK's reusable
 * V8 context): a library in the bundle is paid per parked refund. zod cost 0.6 MB each
 * (BENCHMARKS.md, "Where a parked refund's memory goes"), so the bundle holds only what it must.
 */
import { bundleWorkflowCode } from '@temporalio/worker';

const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

test('the workflow bundle holds the SDK, ms and our code, and no zod', async () => {
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../../src/workflows'), logger: quiet });
  const packages = new Set(
    [...code.matchAll(/^\/\*\*\*\/ "\.\/node_modules\/((?:@[^/]+\/)?[^/]+)\//gm)].map((match) => match[1]),
  );
  expect([...packages].sort()).toEqual(['@temporalio/common', '@temporalio/workflow', 'long', 'ms', 'nexus-rpc']);
}, 120_000);
