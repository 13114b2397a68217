// The whole refund stack for integration tests: a real Temporal server, the Eko simulator over
// HTTP, a real worker with the production activities, and the RefundClient.
import type { Worker } from '@temporalio/worker';
import { RefundClient } from '../../src/client';
import { createEkoClient } from '../../src/eko/client';
import { UAT } from '../../src/eko/uat';
import { type Phase, type RefundInput, RefundPhase } from '../../src/contract';
import { type EkoSimulator, type SeedInput, startSimulator } from '../../simulator';
import { waitFor } from './wait';
import { createRefundWorker } from '../../src/worker';
import type { Subscriber } from '../../src/notifications/config';
import { startDevServer, startTimeSkippingServer, type TestServer } from './temporal';

export interface RefundStack {
  server: TestServer;
  sim: EkoSimulator;
  refunds: RefundClient;
  taskQueue: string;
  stop(): Promise<void>;
}

let queues = 0;

export async function startRefundStack(
  options: { timeSkipping?: boolean; ekoTimeoutMs?: number; webhooks?: Subscriber[] } = {},
): Promise<RefundStack> {
  const server = options.timeSkipping ? await startTimeSkippingServer() : await startDevServer();
  const sim = await startSimulator();
  const taskQueue = `refunds-test-${process.pid}-${(queues += 1)}`;
  const worker: Worker = await createRefundWorker({
    connection: server.env.nativeConnection,
    namespace: 'default',
    taskQueue,
    eko: createEkoClient({
      baseUrl: sim.baseUrl,
      developerKey: UAT.developerKey,
      accessKey: UAT.accessKey,
      timeoutMs: options.ekoTimeoutMs ?? 2_000,
    }),
    defaults: { initiatorId: UAT.initiatorId, userCode: UAT.userCode },
    shutdownGraceMs: 1_000,
    webhooks: options.webhooks,
  });
  const running = worker.run();
  return {
    server,
    sim,
    refunds: new RefundClient(server.env.client, taskQueue),
    taskQueue,
    async stop() {
      worker.shutdown();
      await running;
      await sim.close();
      await server.env.teardown();
    },
  };
}

/**
 * Polling and resend timings at the input's floors, for tests (Temporal's dev server spaces
 * activity retries about 1 s apart whatever the interval); everything else as in production.
 */
export const FAST: Partial<RefundInput> = {
  pollInterval: '1s',
  maxPollInterval: '1s',
  resendInterval: '1s',
};

let tids = 0;
/** A tid unique within this test process. */
export function newTid(): string {
  tids += 1;
  return `${Date.now() % 1_000_000_000}${String(process.pid % 1000).padStart(3, '0')}${String(tids).padStart(3, '0')}`;
}

/** Waits until the refund of `tid` is in `phase` (as the `state` query says). */
export const phaseOf = (refunds: RefundClient, tid: string, phase: Phase) =>
  waitFor(
    `refund ${tid} in ${phase}`,
    () => refunds.getState(tid),
    (state) => state.phase === phase,
  );

/** Seeds a refund-pending transaction, starts its refund and waits for AWAITING_OTP; its tid. */
export async function startAwaitingOtp(
  stack: RefundStack,
  seed: Omit<SeedInput, 'tid'> = {},
  input: Partial<RefundInput> = {},
): Promise<string> {
  const tid = newTid();
  stack.sim.seed({ tid, ...seed });
  await stack.refunds.start({ tid, ...FAST, ...input });
  await phaseOf(stack.refunds, tid, RefundPhase.AWAITING_OTP);
  return tid;
}
