/**
 * Wrong OTPs per key or person: a budget per minute and per day (docs/contract/refund-api.md,
 * "Limits that hold under abuse"). Counted in fixed windows, in this process or, with REDIS_URL,
 * in Redis, so that every API replica draws on the same budget.
 */
import { createHash } from 'node:crypto';
import type Redis from 'ioredis';

export interface WrongOtpBudget {
  perMinute: number;
  perDay: number;
}

export const DEFAULT_WRONG_OTPS: WrongOtpBudget = { perMinute: 5, perDay: 50 };

const WINDOWS = { minute: 60_000, day: 86_400_000 } as const;
type Window = keyof typeof WINDOWS;

/** Where the counts live: this process, or Redis for all replicas. */
export interface Counter {
  /** The counts of these keys (0 when absent). */
  read(keys: string[]): Promise<number[]>;
  /** Adds one to each key, which expires after `ttlMs`. */
  add(keys: { key: string; ttlMs: number }[]): Promise<void>;
}

export class MemoryCounter implements Counter {
  private readonly counts = new Map<string, { count: number; until: number }>();
  constructor(private readonly now: () => number = Date.now) {}

  async read(keys: string[]): Promise<number[]> {
    return keys.map((key) => {
      const entry = this.counts.get(key);
      return entry && entry.until > this.now() ? entry.count : 0;
    });
  }

  async add(keys: { key: string; ttlMs: number }[]): Promise<void> {
    for (const { key, ttlMs } of keys) {
      const entry = this.counts.get(key);
      if (entry && entry.until > this.now()) entry.count += 1;
      else this.counts.set(key, { count: 1, until: this.now() + ttlMs });
    }
    // Expired windows go; a day's keys at most per identity remain.
    for (const [key, entry] of this.counts) if (entry.until <= this.now()) this.counts.delete(key);
  }
}

export class RedisCounter implements Counter {
  constructor(private readonly redis: Redis) {}

  async read(keys: string[]): Promise<number[]> {
    const values = await this.redis.mget(...keys);
    return values.map((value) => Number(value ?? 0));
  }

  async add(keys: { key: string; ttlMs: number }[]): Promise<void> {
    const batch = this.redis.multi();
    for (const { key, ttlMs } of keys) batch.incr(key).pexpire(key, ttlMs, 'NX');
    await batch.exec();
  }
}

export class WrongOtps {
  constructor(
    private readonly budget: WrongOtpBudget,
    private readonly counter: Counter,
    private readonly now: () => number = Date.now,
  ) {}

  /** When the identity may submit again (seconds), if a budget is spent; undefined while it is not. */
  async refusal(identity: string): Promise<{ window: Window; retryAfterSeconds: number } | undefined> {
    const windows = Object.keys(WINDOWS) as Window[];
    const counts = await this.counter.read(windows.map((window) => this.key(identity, window)));
    for (const [i, window] of windows.entries()) {
      const limit = window === 'minute' ? this.budget.perMinute : this.budget.perDay;
      if (counts[i] >= limit) return { window, retryAfterSeconds: Math.ceil(this.left(window) / 1000) };
    }
    return undefined;
  }

  async wrong(identity: string): Promise<void> {
    const windows = Object.keys(WINDOWS) as Window[];
    await this.counter.add(windows.map((window) => ({ key: this.key(identity, window), ttlMs: this.left(window) })));
  }

  /** One key per identity and window; the identity is hashed (a person's email stays out of Redis). */
  private key(identity: string, window: Window): string {
    const who = createHash('sha256').update(identity).digest('base64url').slice(0, 22);
    return `eko-refund:wrong-otps:${window}:${Math.floor(this.now() / WINDOWS[window])}:${who}`;
  }

  private left(window: Window): number {
    return WINDOWS[window] - (this.now() % WINDOWS[window]);
  }
}
