import { z } from 'zod';
import { type Reply, EkoCode, failure, json } from './envelope';
import type { Dialect, SimEndpoint } from './model';

/** Every fault the simulator can inject: the one list the tests and the chaos run share. */
export const FAULT_TYPES = [
  'latency',
  'http500',
  'non_json',
  'reset',
  'reset_after_apply',
  'timeout_after_apply',
  'hang',
  'http403',
  'busy',
  'envelope_less',
  'huge_body',
  'wrong_types',
  'slow_apply',
] as const;
export type FaultType = (typeof FAULT_TYPES)[number];

export const faultSchema = z
  .object({
    type: z.enum(FAULT_TYPES),
    endpoint: z.enum(['otp', 'refund', 'inquiry']).optional(),
    tid: z.string().optional(),
    /** How many matching requests it hits; then it is gone. */
    times: z.number().int().min(1).default(1),
    /** `latency`: the delay added to the answer (default 1000). */
    latencyMs: z.number().int().min(0).optional(),
    /** `slow_apply`: how long Eko takes to apply an accepted refund and answer (default 5000). */
    applyAfterMs: z.number().int().min(0).optional(),
  })
  .refine((fault) => fault.type !== 'slow_apply' || (fault.endpoint ?? 'refund') === 'refund', {
    path: ['endpoint'],
    message: 'slow_apply strikes Initiate Refund only: endpoint must be "refund" or absent',
  });
export type FaultInput = z.input<typeof faultSchema>;
export type Fault = z.output<typeof faultSchema>;

export const DEFAULT_LATENCY_MS = 1_000;
export const DEFAULT_APPLY_AFTER_MS = 5_000;

/** Faults waiting to strike, in the order they were injected. */
export class FaultBook {
  private faults: Fault[] = [];

  inject(input: FaultInput): Fault {
    const fault = faultSchema.parse(input);
    this.faults.push(fault);
    return fault;
  }

  list(): Fault[] {
    return this.faults.map((fault) => ({ ...fault }));
  }

  clear(): void {
    this.faults = [];
  }

  /** The first fault for this call, used up by one strike. `slow_apply` only strikes through `takeSlowApply`. */
  take(endpoint: SimEndpoint, tid: string): Fault | undefined {
    return this.takeFirst((f) => f.type !== 'slow_apply' && matches(f, endpoint, tid));
  }

  /** A `slow_apply` for this tid: taken only when Eko accepts a refund, so refused calls leave it waiting. */
  takeSlowApply(tid: string): Fault | undefined {
    return this.takeFirst((f) => f.type === 'slow_apply' && matches(f, 'refund', tid));
  }

  private takeFirst(wanted: (fault: Fault) => boolean): Fault | undefined {
    const index = this.faults.findIndex(wanted);
    if (index < 0) return undefined;
    const fault = this.faults[index];
    fault.times -= 1;
    if (fault.times <= 0) this.faults.splice(index, 1);
    return { ...fault };
  }
}

const matches = (fault: Fault, endpoint: SimEndpoint, tid: string) =>
  (fault.endpoint === undefined || fault.endpoint === endpoint) && (fault.tid === undefined || fault.tid === tid);

/** What a fault does in place of Eko's answer: send another reply, drop the connection, or never answer. */
export type FaultAction = { reply: Reply } | 'reset' | 'hang';

/** The faults that strike before Eko looks at the request; undefined lets Eko answer. */
export function strikeBefore(fault: Fault | undefined, dialect: Dialect): FaultAction | undefined {
  switch (fault?.type) {
    case 'reset':
      return 'reset';
    case 'hang':
      return 'hang'; // the socket stays open until the client gives up or the simulator closes
    case 'http500':
      return { reply: { status: 500, body: 'Internal Server Error', contentType: 'text/plain' } };
    case 'non_json':
      return {
        reply: { status: 200, body: '<html><body>Service Unavailable</body></html>', contentType: 'text/html' },
      };
    case 'envelope_less':
      return { reply: json(200, { message: 'No key for Response' }) };
    case 'http403':
      return { reply: json(403, { message: 'Forbidden' }) };
    case 'wrong_types':
      return { reply: json(200, { status: 'ok', response_status_id: 'x', message: 5, data: [] }) };
    case 'huge_body':
      return { reply: json(200, { status: 0, message: 'x'.repeat(3 * 1024 * 1024) }) };
    case 'busy':
      return { reply: failure(dialect, EkoCode.Busy, 'Another transaction is in progress') };
    default:
      return undefined;
  }
}

/** The faults that strike after Eko applied the effect: the caller cannot know it happened. */
export function strikeAfter(fault: Fault | undefined): FaultAction | undefined {
  if (fault?.type === 'reset_after_apply') return 'reset';
  if (fault?.type === 'timeout_after_apply') return 'hang';
  return undefined;
}
