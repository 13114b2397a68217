import type { NativeConnection } from '@temporalio/worker';
import { connectWhenTemporalAnswers, temporalAnswers, watchTemporal } from '../../src/health';

/**
 * The worker's eko_refund_temporal_ready gauge (src/worker.ts): the probe's outcome, every 15 s, one
 * probe at a time. Fake timers stand in for the 15 s between probes and the 2 s bound of a read.
 */
beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

const NOT_FOUND = Object.assign(new Error('workflow not found'), { code: 5 });
const UNAVAILABLE = Object.assign(new Error('connection refused'), { code: 14 });

/** A workflow service whose describe answers as `answer` says at the time of the call. */
function fakeTemporal() {
  let answer: 'not found' | 'unavailable' | 'hangs' = 'not found';
  const describeWorkflowExecution = jest.fn(() =>
    answer === 'not found'
      ? Promise.reject(NOT_FOUND)
      : answer === 'unavailable'
        ? Promise.reject(UNAVAILABLE)
        : new Promise<never>(() => undefined),
  );
  const service = { describeWorkflowExecution } as unknown as Parameters<typeof watchTemporal>[0];
  return { service, calls: describeWorkflowExecution.mock.calls, answers: (next: typeof answer) => (answer = next) };
}

function fakeGauge() {
  const values: number[] = [];
  return { values, set: (value: number) => void values.push(value) };
}

test('the gauge follows whether Temporal answers from its database: 1, then 0, then 1 again', async () => {
  const temporal = fakeTemporal();
  const gauge = fakeGauge();
  const watch = watchTemporal(temporal.service, 'default', gauge);
  await jest.advanceTimersByTimeAsync(0);
  expect(gauge.values).toEqual([1]);
  expect(temporal.calls[0]).toEqual([
    { namespace: 'default', execution: { workflowId: 'eko-refund-readiness-probe' } },
  ]);

  temporal.answers('unavailable');
  await jest.advanceTimersByTimeAsync(15_000);
  expect(gauge.values).toEqual([1, 0]);

  temporal.answers('not found');
  await jest.advanceTimersByTimeAsync(15_000);
  expect(gauge.values).toEqual([1, 0, 1]);
  watch.stop();
});

test('a read that hangs (the database down) is 0 after 2 s, and no second probe starts meanwhile', async () => {
  const temporal = fakeTemporal();
  const gauge = fakeGauge();
  temporal.answers('hangs');
  const watch = watchTemporal(temporal.service, 'default', gauge, 1_000);
  await jest.advanceTimersByTimeAsync(1_999);
  expect(gauge.values).toEqual([]);
  expect(temporal.calls).toHaveLength(1);

  await jest.advanceTimersByTimeAsync(1);
  expect(gauge.values).toEqual([0]);
  // The next probe starts 1 s after this one ended, not on a fixed beat.
  await jest.advanceTimersByTimeAsync(999);
  expect(temporal.calls).toHaveLength(1);
  await jest.advanceTimersByTimeAsync(1);
  expect(temporal.calls).toHaveLength(2);
  watch.stop();
});

test('stop ends the probes, and a probe still in flight sets nothing', async () => {
  const temporal = fakeTemporal();
  const gauge = fakeGauge();
  const watch = watchTemporal(temporal.service, 'default', gauge);
  await jest.advanceTimersByTimeAsync(0);
  watch.stop();
  await jest.advanceTimersByTimeAsync(60_000);
  expect(temporal.calls).toHaveLength(1);

  temporal.answers('hangs');
  const inFlight = watchTemporal(temporal.service, 'default', gauge);
  inFlight.stop();
  await jest.advanceTimersByTimeAsync(60_000);
  expect(temporal.calls).toHaveLength(2);
  expect(gauge.values).toEqual([1]);
  expect(jest.getTimerCount()).toBe(0);
});

describe('a worker starting while Temporal or its database is down (connectWhenTemporalAnswers)', () => {
  /** Connections whose describe answers as `answers` say, one per connect; `refused` connects throw. */
  function connections(answers: ('refused' | 'not found' | 'unavailable')[]) {
    const closed: number[] = [];
    let n = 0;
    const connect = jest.fn(async () => {
      const i = n++;
      const answer = answers[Math.min(i, answers.length - 1)];
      if (answer === 'refused') throw new Error('connection refused');
      const describeWorkflowExecution = () => Promise.reject(answer === 'not found' ? NOT_FOUND : UNAVAILABLE);
      return {
        workflowService: { describeWorkflowExecution },
        close: async () => void closed.push(i),
      } as unknown as NativeConnection;
    });
    return { connect, closed };
  }

  test('waits through a refused connection and a database that does not answer, then connects', async () => {
    const { connect, closed } = connections(['refused', 'unavailable', 'not found']);
    const waits: string[] = [];
    const connecting = connectWhenTemporalAnswers(connect, 'default', (problem) => waits.push(problem));
    await jest.advanceTimersByTimeAsync(4_000);
    await expect(connecting).resolves.toBeDefined();
    expect(connect).toHaveBeenCalledTimes(3);
    expect(waits).toEqual(['connection refused', 'Temporal did not answer a read from its database in time']);
    expect(closed).toEqual([1]); // the connection whose Temporal did not answer
  });

  test('gives up after the wait with the last problem', async () => {
    const { connect } = connections(['refused']);
    const connecting = connectWhenTemporalAnswers(connect, 'default', () => undefined, { waitMs: 10_000 });
    const failed = expect(connecting).rejects.toThrow('connection refused');
    await jest.advanceTimersByTimeAsync(10_000);
    await failed;
    expect(connect).toHaveBeenCalledTimes(6); // at 0, 2, 4, 6, 8 and 10 s
  });
});

test('a namespace that does not exist is not ready, though Temporal answers "not found"', async () => {
  const missingNamespace = Object.assign(new Error('Namespace refunds is not found.'), { code: 5 });
  const answering = (error: Error) =>
    ({ describeWorkflowExecution: () => Promise.reject(error) }) as unknown as Parameters<typeof temporalAnswers>[0];
  await expect(temporalAnswers(answering(missingNamespace), 'refunds')).resolves.toBe(false);
  await expect(temporalAnswers(answering(NOT_FOUND), 'default')).resolves.toBe(true);
});
