// The chaos "operator": every few seconds, one action against the running stack, drawn by weight
// from OPERATOR_ACTIONS. A new kind of trouble is one more entry in that list.
import type { DevServerProcess } from '../../tools/temporal-server';
import type { Random } from './random';
import type { WorkerPool } from './workers';

/** What an action may act on. */
export interface OperatorTarget {
  pool: WorkerPool;
  /** In memory: an action that restarts it needs stack.ts to give it a `dbFile` first. */
  server: DevServerProcess;
}

export interface OperatorAction {
  name: string;
  weight: number;
  /** Returns whether it acted (killing a worker needs one that polls). */
  act(target: OperatorTarget, random: Random): boolean | Promise<boolean>;
}

export const OPERATOR_ACTIONS: readonly OperatorAction[] = [
  // As a crash or an OOM kill would: no graceful shutdown, activities in flight are lost.
  { name: 'worker SIGKILLed', weight: 1, act: ({ pool }, random) => pool.killOne(random) },
];

/** Every `everyMs` (± 50 %, from the seeded random), one action; until stopped. Counts what was done. */
export function startOperator(
  target: OperatorTarget,
  random: Random,
  everyMs: number,
): { done: Map<string, number>; stop(): void } {
  const done = new Map<string, number>();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const act = async () => {
    const action = random.weighted(OPERATOR_ACTIONS.map((a) => [a, a.weight] as const));
    try {
      if (await action.act(target, random)) done.set(action.name, (done.get(action.name) ?? 0) + 1);
    } catch (err) {
      console.error(`operator action "${action.name}" failed:`, err);
    }
    if (!stopped) schedule();
  };
  const schedule = () => {
    timer = setTimeout(() => void act(), Math.round(everyMs * (0.5 + random.next())));
  };
  if (everyMs > 0) schedule();
  return {
    done,
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
