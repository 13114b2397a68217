/** A refund's webhook deliveries (docs/contract/refund-api.md, "Outcome notifications"). */
import { z } from 'zod';
import type { RefundClient } from '../../client';
import { problemResponses, type ZodApp } from '../openapi';
import { tidParamsSchema } from '../schemas';

const tags = ['notifications'];

const deliverySchema = z
  .object({
    id: z.string().describe('`<event id>~<subscriber>`: redeliver takes it'),
    eventId: z.string().describe('The event’s `id`, as its body carries it'),
    event: z.string().describe('refund.awaiting_otp, refund.pending, refund.refunded…'),
    subscriber: z.string().describe('The subscriber’s name in REFUND_WEBHOOKS'),
    state: z.enum(['delivering', 'delivered', 'failed']),
    attempts: z.number().int(),
    lastResult: z.string().optional().describe('The last HTTP status, or why there was none'),
    nextAttemptAt: z.string().optional().describe('ISO 8601 time of the next attempt while delivering'),
    redelivery: z.boolean(),
    startedAt: z.string().describe('ISO 8601 time'),
  })
  .meta({ id: 'Delivery', description: 'One event to one subscriber' });

export function notificationRoutes(app: ZodApp, { refunds }: { refunds: RefundClient }): void {
  app.get(
    '/v1/refunds/:tid/notifications',
    {
      config: { access: 'read' },
      schema: {
        operationId: 'listNotifications',
        tags,
        summary: 'The refund’s webhook deliveries: event, subscriber, attempts, last result, next attempt',
        params: tidParamsSchema,
        response: {
          200: z
            .object({ notifications: z.array(deliverySchema) })
            .meta({ id: 'Deliveries', description: 'The refund’s webhook deliveries' }),
          ...problemResponses('invalid-input', 'temporal-unavailable'),
        },
      },
    },
    async (request) => ({ notifications: await refunds.notifications(request.params.tid) }),
  );

  app.post(
    '/v1/notifications/:id/redeliver',
    {
      config: { access: 'operate', audit: 'redeliver' },
      schema: {
        operationId: 'redeliverNotification',
        tags,
        summary: 'Send that event to that subscriber again (same event id: receivers dedupe on it)',
        params: z.object({
          id: z
            .string()
            .min(3)
            .max(256)
            .regex(/^[A-Za-z0-9._~:-]+$/),
        }),
        response: {
          202: z
            .object({ id: z.string(), workflowId: z.string() })
            .meta({ id: 'Redelivery', description: 'Redelivering: the delivery and its workflow' }),
          ...problemResponses('not-found', 'invalid-input', 'temporal-unavailable'),
        },
      },
    },
    async (request, reply) => {
      const started = await refunds.redeliver(request.params.id);
      request.auditResult = 'redelivering';
      return reply.code(202).send(started);
    },
  );
}
