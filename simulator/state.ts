import type { SentCallback } from './callback';
import type { SimulatorConfig } from './config';
import type { FaultBook } from './faults';
import type { SimTransaction, SmsMessage } from './model';

/** What the Eko endpoints read and change: the simulator's whole state. */
export interface SimState {
  readonly config: SimulatorConfig;
  readonly transactions: Map<string, SimTransaction>;
  readonly outbox: SmsMessage[];
  readonly faults: FaultBook;
  /** Every transaction status callback sent, oldest first. */
  readonly callbacks: SentCallback[];
  /** Waits `ms`; rejects early when the simulator resets or closes, so no timer outlives it. */
  wait(ms: number): Promise<void>;
  /** Eko's id for a refund it applied. */
  nextRefundTid(): string;
}
