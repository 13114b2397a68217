import { watchTemporal } from '../../src/health';

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
