/**
 * Open live streams (GET /v1/refunds/{tid}/events): at most a number per key or person and in all
 * (REFUND_STREAMS_PER_IDENTITY, REFUND_STREAMS_TOTAL), a 429 beyond; a console session's streams
 * end when it signs out, and all of them when the server closes.
 */
import { Problem } from './problems';

export interface StreamLimits {
  perIdentity: number;
  total: number;
}

export const DEFAULT_STREAM_LIMITS: StreamLimits = { perIdentity: 20, total: 500 };
/** When a refused stream may try again: EventSource reconnects by itself. */
const RETRY_AFTER_S = 10;

interface Stream {
  identity: string;
  sessionId?: string;
  stop: AbortController;
}

export class Streams {
  private readonly open = new Set<Stream>();

  constructor(private readonly limits: StreamLimits) {}

  /** A new stream's stop signal, or a 429 when the identity or the server has too many open. */
  start(identity: string, sessionId?: string): { stop: AbortController; close: () => void } {
    const mine = [...this.open].filter((stream) => stream.identity === identity).length;
    if (mine >= this.limits.perIdentity || this.open.size >= this.limits.total) {
      const which =
        mine >= this.limits.perIdentity
          ? `${this.limits.perIdentity} per key or person`
          : `${this.limits.total} in all`;
      throw new Problem('rate-limited', `too many live streams open (at most ${which}); close one`, {
        retryAfterSeconds: RETRY_AFTER_S,
      });
    }
    const stream = { identity, sessionId, stop: new AbortController() };
    this.open.add(stream);
    return { stop: stream.stop, close: () => this.open.delete(stream) };
  }

  /** Ends the streams of a console session (sign-out). */
  endSession(sessionId: string): void {
    for (const stream of this.open) if (stream.sessionId === sessionId) stream.stop.abort();
  }

  endAll(): void {
    for (const stream of this.open) stream.stop.abort();
  }
}
