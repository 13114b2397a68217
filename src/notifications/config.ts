/** REFUND_WEBHOOKS: who hears of which refund events (docs/contract/refund-api.md). */
import { z } from 'zod';
import { EVENT_TYPES, type EventType } from './events';

export interface Subscriber {
  /** Names its deliveries (the API lists them by it); the URL's host unless given. */
  name: string;
  url: string;
  secret: string;
  events: readonly EventType[];
}

const subscriberSchema = (production: boolean) =>
  z.strictObject({
    name: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, . _ - (at most 64)')
      .optional(),
    url: z.url().refine((url) => !production || url.startsWith('https://'), 'must be https:// in production'),
    secret: z.string().min(32, 'at least 32 characters'),
    events: z.array(z.enum(EVENT_TYPES)).min(1).optional(),
  });

/** Parses the JSON of REFUND_WEBHOOKS; every problem is named by its place, never by a secret. */
export function parseWebhooks(
  json: string | undefined,
  production: boolean,
): { subscribers: Subscriber[]; problems: string[] } {
  if (!json?.trim()) return { subscribers: [], problems: [] };
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    return { subscribers: [], problems: ['not JSON: expected [{ "url": …, "secret": …, "events"?: […] }]'] };
  }
  const parsed = z.array(subscriberSchema(production)).safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'value'}: ${issue.message}`);
    return { subscribers: [], problems };
  }
  const subscribers = parsed.data.map((entry) => ({
    name: entry.name ?? new URL(entry.url).host,
    url: entry.url,
    secret: entry.secret,
    events: entry.events ?? EVENT_TYPES,
  }));
  const names = subscribers.map((s) => s.name);
  const problems = names
    .filter((name, i) => names.indexOf(name) !== i)
    .map((name) => `two subscribers are named ${name}: give each a distinct "name"`);
  return { subscribers: problems.length > 0 ? [] : subscribers, problems };
}

/** The events at least one subscriber wants: a refund starts no delivery for the others. */
export const wantedEvents = (subscribers: readonly Subscriber[]): EventType[] =>
  EVENT_TYPES.filter((type) => subscribers.some((s) => s.events.includes(type)));
