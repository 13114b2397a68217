// The earlier runs' timings come from their inputs, which never change: each run's history is
// read once per worker, and a read that outlived one attempt's budget serves the next.
import { randomBytes } from 'node:crypto';
import { defaultDataConverter, defaultPayloadConverter, type Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { createEncryptionCodec } from '../../../src/codec/encryption';
import { runsFromVisibility } from '../../../src/visibility';

const { WorkflowExecutionStatus } = temporal.api.enums.v1;

function fakeService(runIds: string[], encode = async (payload: Payload) => payload) {
  const reads: string[] = [];
  const service = {
    listWorkflowExecutions: async () => ({
      executions: runIds.map((runId) => ({
        execution: { workflowId: 'refund-42', runId },
        status: WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED,
        closeTime: { seconds: Math.floor(Date.now() / 1000) },
        searchAttributes: { indexedFields: { RefundPhase: defaultPayloadConverter.toPayload('SUBMITTING') } },
      })),
    }),
    getWorkflowExecutionHistory: async ({ execution }: { execution: { runId: string } }) => {
      reads.push(execution.runId);
      const input = await encode(
        defaultPayloadConverter.toPayload({ tid: '42', ekoCallTimeout: '3s', settleWindow: '5s' }),
      );
      return { history: { events: [{ workflowExecutionStartedEventAttributes: { input: { payloads: [input] } } }] } };
    },
  };
  return { service: service as never, reads };
}

test('each earlier run’s history is read once, however many attempts ask', async () => {
  const { service, reads } = fakeService(['a', 'b', 'own']);
  const runsOf = runsFromVisibility(service, 'default');
  const first = await runsOf('refund-42', 'own');
  const second = await runsOf('refund-42', 'own');
  expect(second).toEqual(first);
  expect(first.filter((run) => run.runId !== 'own').map((run) => run.timings)).toEqual([
    { attemptMs: 3_000, settleWindowMs: 5_000 },
    { attemptMs: 3_000, settleWindowMs: 5_000 },
  ]);
  expect(reads.sort()).toEqual(['a', 'b']);
});

test('an encrypted input is read with the workers’ converter; without the key it stays unknown, read again next time', async () => {
  const codec = createEncryptionCodec([{ id: 'k1', key: randomBytes(32) }]);
  const encrypt = async (payload: Payload) => (await codec.encode([payload]))[0];
  const withKey = fakeService(['a', 'own'], encrypt);
  const runsOf = runsFromVisibility(withKey.service, 'default', { ...defaultDataConverter, payloadCodecs: [codec] });
  const [earlier] = (await runsOf('refund-42', 'own')).filter((run) => run.runId !== 'own');
  expect(earlier.timings).toEqual({ attemptMs: 3_000, settleWindowMs: 5_000 });

  const withoutKey = fakeService(['a', 'own'], encrypt);
  const blind = runsFromVisibility(withoutKey.service, 'default');
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const [unread] = (await blind('refund-42', 'own')).filter((run) => run.runId !== 'own');
    expect(unread.timings).toBeUndefined(); // presumed the longest
  }
  expect(withoutKey.reads).toEqual(['a', 'a']);
});
