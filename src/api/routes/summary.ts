/**
 * Counts for dashboards, from Temporal visibility. The server groups counts by ExecutionStatus
 * only (not by a custom search attribute), so each phase and outcome is one count query.
 */
import type { RefundClient } from '../../client';
import { RefundOutcome, RefundPhase } from '../../contract';
import { problemResponses, type ZodApp } from '../openapi';
import { summaryQuerySchema, summarySchema } from '../schemas';

const DAY_MS = 24 * 60 * 60 * 1000;
const CONCURRENT_COUNTS = 8;

export function summaryRoutes(app: ZodApp, { refunds }: { refunds: RefundClient }): void {
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
      const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
      const dayStarts = Array.from(
        { length: request.query.days },
        (_, i) => today - (request.query.days - 1 - i) * DAY_MS,
      );
      const outcomes = Object.values(RefundOutcome);
      const count = (filter: Parameters<RefundClient['count']>[0]) => () => refunds.count(filter);
      const [running, closed, [closedWithoutOutcome], ...days] = await inBatches([
        Object.values(RefundPhase).map((phase) => count({ status: 'running', phase })),
        outcomes.map((phase) => count({ status: 'completed', phase })),
        [count({ status: 'closedWithoutOutcome' })],
        ...dayStarts.map((from) =>
          outcomes.map((phase) =>
            count({ status: 'completed', phase, closedFrom: new Date(from), closedBefore: new Date(from + DAY_MS) }),
          ),
        ),
      ]);
      return {
        running: Object.fromEntries(Object.values(RefundPhase).map((phase, i) => [phase, running[i]])),
        closed: Object.fromEntries(outcomes.map((outcome, i) => [outcome, closed[i]])),
        closedWithoutOutcome,
        days: dayStarts.map((from, d) => ({
          date: new Date(from).toISOString().slice(0, 10),
          closed: Object.fromEntries(outcomes.map((outcome, i) => [outcome, days[d][i]])),
        })),
      };
    },
  );
}

/** Runs groups of calls with at most CONCURRENT_COUNTS in flight, keeping the groups' shape. */
async function inBatches(groups: (() => Promise<number>)[][]): Promise<number[][]> {
  const calls = groups.flat();
  const results: number[] = new Array(calls.length);
  let next = 0;
  const lane = async () => {
    while (next < calls.length) {
      const index = next++;
      results[index] = await calls[index]();
    }
  };
  await Promise.all(Array.from({ length: CONCURRENT_COUNTS }, lane));
  let offset = 0;
  return groups.map((group) => results.slice(offset, (offset += group.length)));
}
