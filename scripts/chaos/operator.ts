// The chaos "operator": about every second, one action against the running stack, drawn by weight
// from OPERATOR_ACTIONS. A new kind of trouble is one more entry in that list.
import { type ChaosContext, noteError } from './context';
import type { Random } from './random';
import {
  cancelWhileEkoSilent,
  malformedOtpSignal,
  resendOtpSignal,
  resetActivity,
  resetToEarlierTask,
  temporalCancel,
  terminateThenStart,
} from './refund-actions';
import type { WorkerPool } from './workers';

/** What an action may act on. */
export interface OperatorTarget {
  pool: WorkerPool;
  /** The run's refunds, clients and CLI. */
  ctx: ChaosContext;
}

export interface OperatorAction {
  name: string;
  weight: number;
  /** Returns whether it acted (killing a worker needs one that polls, a cancel a refund that runs). */
  act(target: OperatorTarget, random: Random): boolean | Promise<boolean>;
}

export const OPERATOR_ACTIONS: readonly OperatorAction[] = [
  // As a crash or an OOM kill would: no graceful shutdown, activities in flight are lost.
  { name: 'worker SIGKILLed', weight: 2, act: ({ pool }, random) => pool.killOne(random) },
  // The Web UI's cancel button makes the same call as the CLI.
  {
    name: 'Temporal cancel (temporal workflow cancel)',
    weight: 1,
    act: ({ ctx }, random) => temporalCancel(ctx, random, 'cli'),
  },
  {
    name: 'Temporal cancel (handle.cancel())',
    weight: 1,
    act: ({ ctx }, random) => temporalCancel(ctx, random, 'client'),
  },
  // Its heartbeats and answers lost while its refund call goes out; then killed and replaced.
  { name: 'worker cut off from Temporal, not from Eko', weight: 1, act: ({ pool }, random) => pool.cutOffOne(random) },
  { name: 'reset to an earlier workflow task', weight: 3, act: ({ ctx }, random) => resetToEarlierTask(ctx, random) },
  {
    name: 'terminate, then start again (while Eko may apply the refund call)',
    weight: 1.5,
    act: ({ ctx }, random) => terminateThenStart(ctx, random),
  },
  {
    name: 'temporal activity reset --clear-heartbeat-details',
    weight: 1,
    act: ({ ctx }, random) => resetActivity(ctx, random),
  },
  {
    name: 'Temporal cancel while Eko is silent',
    weight: 1,
    act: ({ ctx }, random) => cancelWhileEkoSilent(ctx, random),
  },
  { name: 'malformed otp signal by hand', weight: 1.5, act: ({ ctx }, random) => malformedOtpSignal(ctx, random) },
  { name: 'resendOtp signal by hand, no input', weight: 1.5, act: ({ ctx }, random) => resendOtpSignal(ctx, random) },
];

export interface Operator {
  /** What was done, by action name. */
  done: Map<string, number>;
  /** Stops scheduling actions; resolves once the action under way (if any) ended. */
  stop(): Promise<void>;
}

/**
 * Every `everyMs` (± 50 %, from the seeded random), one action, until stopped or `until`. One at a
 * time: an action that takes longer than the interval delays the next.
 */
export function startOperator(
  target: OperatorTarget,
  random: Random,
  { everyMs, until }: { everyMs: number; until: number },
): Operator {
  const done = new Map<string, number>();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let acting: Promise<void> = Promise.resolve();
  const act = async () => {
    const nextAt = Date.now() + interval();
    const action = random.weighted(OPERATOR_ACTIONS.map((a) => [a, a.weight] as const));
    try {
      if (await action.act(target, random)) done.set(action.name, (done.get(action.name) ?? 0) + 1);
    } catch (err) {
      noteError(target.ctx, `operator: ${action.name}`, err);
    }
    if (!stopped) schedule(nextAt - Date.now());
  };
  const interval = () => Math.round(everyMs * (0.5 + random.next()));
  const schedule = (delayMs: number) => {
    if (Date.now() > until) return;
    timer = setTimeout(
      () => {
        acting = act();
      },
      Math.max(0, delayMs),
    );
  };
  if (everyMs > 0) schedule(interval());
  return {
    done,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await acting;
    },
  };
}
