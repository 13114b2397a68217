/** Liveness and readiness, as the worker's: ready while Temporal answers in time. */
import type { Client } from '@temporalio/client';
import { within } from '../../timeout';
import { z } from 'zod';
import type { ZodApp } from '../openapi';

const TEMPORAL_CHECK_MS = 2_000;

export function healthRoutes(app: ZodApp, { client }: { client: Client }): void {
  const tags = ['operations'];
  const health = z
    .object({ status: z.string(), temporal: z.string().optional() })
    .meta({ id: 'Health', description: 'live, ready, or not ready with the reason' });
  const liveness = {
    operationId: 'getLiveness',
    tags,
    summary: 'Live while the process runs',
    response: { 200: health },
  };
  app.get('/healthz', { schema: liveness }, () => ({ status: 'live' }));
  const readiness = {
    operationId: 'getReadiness',
    tags,
    summary: 'Ready while Temporal answers',
    response: { 200: health, 503: health },
  };
  app.get('/readyz', { schema: readiness }, async (request, reply) => {
    try {
      // The SDK retries an unavailable server past any deadline: bound the wait here.
      await within(client.workflowService.getSystemInfo({}), TEMPORAL_CHECK_MS, 'Temporal health check');
      return { status: 'ready', temporal: 'ok' };
    } catch (err) {
      // The reason goes to the log; the answer, public, says only what is down.
      request.log.warn({ err }, 'not ready: Temporal did not answer');
      return reply.code(503).send({ status: 'not ready', temporal: 'unreachable' });
    }
  });
}
