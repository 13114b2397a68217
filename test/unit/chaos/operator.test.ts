// The chaos operator's schedule (scripts/chaos/operator.ts): it acts about every `everyMs` and not
// after `until`, so that every refund has a recovery before the run's deadline. Jest's fake clock
// drives the schedule; the only actions that can act here are worker kills and cut-offs (no refunds run).
import type { ChaosContext } from '../../../scripts/chaos/context';
import { type OperatorTarget, startOperator } from '../../../scripts/chaos/operator';
import { seededRandom } from '../../../scripts/chaos/random';

beforeEach(() => jest.useFakeTimers({ now: Date.parse('2026-11-30T10:00:00.000Z') }));
afterEach(() => jest.useRealTimers());

function targetRecordingKills(): { target: OperatorTarget; killedAt: number[] } {
  const killedAt: number[] = [];
  const pool = { killOne: () => (killedAt.push(Date.now()), true), cutOffOne: () => (killedAt.push(Date.now()), true) };
  const ctx = { all: [] } as unknown as ChaosContext;
  return { target: { pool, ctx } as unknown as OperatorTarget, killedAt };
}

test('acts until `until`, never after it', async () => {
  const { target, killedAt } = targetRecordingKills();
  const until = Date.now() + 10_000;
  const operator = startOperator(target, seededRandom(1), { everyMs: 100, until });
  await jest.advanceTimersByTimeAsync(30_000);
  await operator.stop();
  expect(killedAt.length).toBeGreaterThan(0);
  expect(Math.max(...killedAt)).toBeLessThanOrEqual(until + 150); // the last one scheduled before `until`
  const workerActions = ['worker SIGKILLed', 'worker cut off from Temporal, not from Eko'];
  expect(workerActions.reduce((n, action) => n + (operator.done.get(action) ?? 0), 0)).toBe(killedAt.length);
});

test('an `until` already passed: no action at all', async () => {
  const { target, killedAt } = targetRecordingKills();
  const operator = startOperator(target, seededRandom(1), { everyMs: 100, until: Date.now() - 1 });
  await jest.advanceTimersByTimeAsync(5_000);
  await operator.stop();
  expect(killedAt).toEqual([]);
});
