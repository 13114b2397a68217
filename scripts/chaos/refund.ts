// One chaos refund as the run knows it: its plan, what the operator did to it, and what became of
// it. The drivers, the operator and the verdict share it.
import type { RefundResult } from '../../src/contract';
import type { RefundPlan } from './plans';

export class ChaosRefund {
  started = false;
  /** Epoch ms of the first start attempt. */
  startedAt?: number;
  /** The newest run's outcome, `WORKFLOW_FAILED` (or `_CANCELLED`, `_TERMINATED`) when it did not end with a result. */
  outcome?: string;
  result?: RefundResult;
  /** Where the refund stood at the deadline, when it was not terminal. */
  phaseAtDeadline?: string;
  /** What went wrong while driving it (the OTP could not be handed over, say). */
  problem?: string;
  /** What the operator did to this refund, in order ("reset to event 12", ...). */
  readonly actions: string[] = [];
  /** A Temporal cancel request was sent (its answer may have been lost): CANCELLED is then a possible outcome. */
  cancelRequested = false;
  /** Resends by hand and resets: each may leave OTPs that Eko then refuses as wrong. */
  otpsMadeStale = 0;
  /** Runs made by resets so far; a reset of an ended refund reopens it. */
  resets = 0;
  /** The resets already seen by an OTP hand-over: a later reset may leave a new run waiting for the OTP. */
  resetsHandedOver = 0;
  /** An operator terminated its run and is starting it again: the terminated run is not its end. */
  restarting = false;
  /** Its driver got it past the OTP (or gave up): follow.ts follows it from then on. */
  driven = false;
  /** Set while a driver follows it to its outcome (see follow.ts). */
  following: Promise<void> | undefined;
  private resetNotice = withResolvers();

  constructor(readonly plan: RefundPlan) {}

  get tid(): string {
    return this.plan.tid;
  }

  /** Started, and its newest run not known to have ended. */
  get running(): boolean {
    return this.started && this.outcome === undefined && this.phaseAtDeadline === undefined;
  }

  noteAction(action: string): void {
    this.actions.push(action);
  }

  /** A reset made a new run: its outcome is the one that counts, and whoever waits on the old run looks again. */
  noteReset(): void {
    this.resets += 1;
    this.otpsMadeStale += 1;
    this.outcome = undefined;
    this.result = undefined;
    this.phaseAtDeadline = undefined;
    this.resetNotice.resolve();
    this.resetNotice = withResolvers();
  }

  /** Resolves at the next reset. */
  nextReset(): Promise<'reset'> {
    return this.resetNotice.promise.then(() => 'reset' as const);
  }
}

function withResolvers(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
