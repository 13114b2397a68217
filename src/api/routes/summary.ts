/**
 * Counts for dashboards, from Temporal visibility. The server groups counts by ExecutionStatus
 * only (not by a custom search attribute), so each phase and outcome is one count query.
 */
import type { RefundClient } from '../../client';
import { mapConcurrently } from '../../concurrency';
import { RefundOutcome, RefundPhase } from '../../contract';
import { problemResponses, type ZodApp } from '../openapi';
import { summaryQuerySchema, summarySchema } from '../schemas';
import { lastDays } from '../time-zone';

const CONCURRENT_COUNTS = 8;
/** Dashboards and consoles on many desks ask often: one answer serves them all this long. */
export const SUMMARY_CACHE_MS = 5_000;

export function summaryRoutes(app: ZodApp, { refunds, timeZone }: { refunds: RefundClient; timeZone: string }): void {
  const cache = new Map<number, { until: number; answer: Promise<Summary> }>();
  app.get(
    '/v1/summary',
    {
      config: { access: 'read' },
      schema: {
        operationId: 'getSummary',
        tags: ['operations'],
        summary: 'Refunds running by phase, ended by outcome, and outcomes per day',
        description:
          'Visibility counts: approximate and eventually consistent (a refund shows up within a second or so).',
        querystring: summaryQuerySchema,
        response: { 200: summarySchema, ...problemResponses('invalid-input', 'temporal-unavailable') },
      },
    },
    async (request) => {
      const { days } = request.query;
      const cached = cache.get(days);
      if (cached && cached.until > Date.now()) return cached.answer;
      const answer = summarize(refunds, timeZone, days);
      cache.set(days, { until: Date.now() + SUMMARY_CACHE_MS, answer });
      answer.catch(() => cache.delete(days)); // a failure is not kept
      return answer;
    },
  );
}

type Summary = Awaited<ReturnType<typeof summarize>>;

/** Running by phase, ended by outcome, and outcomes per day of the zone. */
async function summarize(refunds: RefundClient, timeZone: string, dayCount: number) {
  const dayRanges = lastDays(timeZone, dayCount);
  const outcomes = Object.values(RefundOutcome);
  const count = (filter: Parameters<RefundClient['count']>[0]) => () => refunds.count(filter);
  const [running, closed, [closedWithoutOutcome], ...days] = await inBatches([
    Object.values(RefundPhase).map((phase) => count({ status: 'running', phase })),
    outcomes.map((phase) => count({ status: 'completed', phase })),
    [count({ status: 'closedWithoutOutcome' })],
    ...dayRanges.map(({ from, to }) =>
      outcomes.map((phase) =>
        count({ status: 'completed', phase, closedFrom: new Date(from), closedBefore: new Date(to) }),
      ),
    ),
  ]);
  return {
    running: Object.fromEntries(Object.values(RefundPhase).map((phase, i) => [phase, running[i]])),
    closed: Object.fromEntries(outcomes.map((outcome, i) => [outcome, closed[i]])),
    closedWithoutOutcome,
    timeZone,
    days: dayRanges.map(({ date }, d) => ({
      date,
      closed: Object.fromEntries(outcomes.map((outcome, i) => [outcome, days[d][i]])),
    })),
  };
}

/** Runs groups of calls with at most CONCURRENT_COUNTS in flight, keeping the groups' shape. */
async function inBatches(groups: (() => Promise<number>)[][]): Promise<number[][]> {
  const results = await mapConcurrently(groups.flat(), CONCURRENT_COUNTS, (call) => call());
  let offset = 0;
  return groups.map((group) => results.slice(offset, (offset += group.length)));
}
