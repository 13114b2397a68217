/** Liveness and readiness, as the worker's: ready while Temporal answers a read from its database in time. */
import type { Client } from '@temporalio/client';
import { temporalAnswers } from '../../health';
import { z } from 'zod';
import type { ZodApp } from '../openapi';

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
    summary: 'Ready while Temporal answers a read from its database',
    response: { 200: health, 503: health },
  };
  app.get('/readyz', { schema: readiness }, async (request, reply) => {
    if (await temporalAnswers(client.workflowService, client.options.namespace)) {
      return { status: 'ready', temporal: 'ok' };
    }
    request.log.warn('not ready: Temporal did not answer a read from its database in time');
    return reply.code(503).send({ status: 'not ready', temporal: 'unreachable' });
  });
}
