/** Starting many refunds in one call (docs/contract/refund-api.md, "Finding, exporting and starting many"). */
import { z } from 'zod';
import { MAX_BATCH, type RefundClient } from '../../client';
import { refundInputSchema } from '../../contract';
import { type OtpPolicy, withinPolicy } from '../otp-policy';
import { problemResponses, type ZodApp } from '../openapi';

const batchBodySchema = z.strictObject({
  tids: z
    .array(z.union([z.string().max(1_000), z.number()]))
    .min(1)
    .max(MAX_BATCH)
    .describe(`1 to ${MAX_BATCH} tids; a bad one gets its own \`invalid\` result and does not stop the others`),
  reason: refundInputSchema.shape.reason,
});

const batchAnswerSchema = z
  .object({
    results: z.array(
      z.object({
        tid: z.string(),
        result: z
          .enum(['started', 'already-running', 'invalid', 'failed'])
          .describe('`failed`: Temporal did not take the start; start that tid again'),
        detail: z.string().optional(),
      }),
    ),
  })
  .meta({ id: 'BatchAnswer', description: 'One result per tid, in the order given' });

export function batchRoutes(
  app: ZodApp,
  { refunds, otpPolicy }: { refunds: RefundClient; otpPolicy: OtpPolicy },
): void {
  app.post(
    '/v1/refund-batches',
    {
      config: { access: 'start', audit: 'startBatch' },
      schema: {
        operationId: 'startRefundBatch',
        tags: ['refunds'],
        summary: `Start the refunds of up to ${MAX_BATCH} tids, one result per tid`,
        description:
          'Each tid is started as `POST /v1/refunds` would with default options; a tid whose refund is ' +
          'already running is `already-running` (whatever its options). Safe to send again: a tid has one refund.',
        body: batchBodySchema,
        response: { 200: batchAnswerSchema, ...problemResponses('invalid-input', 'temporal-unavailable') },
        bodyExamples: {
          batch: {
            summary: 'Three tids, one of them not a tid',
            value: { tids: ['1000000001', 1000000002, '12ab'], reason: 'agents returned the cash' },
          },
        },
        responseExamples: {
          200: {
            results: {
              summary: 'One result per tid, in order',
              value: {
                results: [
                  { tid: '1000000001', result: 'started' },
                  { tid: '1000000002', result: 'already-running' },
                  { tid: '12ab', result: 'invalid', detail: 'tid must be 1 to 20 digits' },
                ],
              },
            },
          },
        },
      },
    },
    async (request) => {
      const { tids, reason } = request.body;
      const options = withinPolicy({ reason, requestedBy: request.principal?.name }, otpPolicy);
      const results = await refunds.startMany(tids, options);
      const count = (result: string) => results.filter((r) => r.result === result).length;
      request.auditResult = ['started', 'already-running', 'invalid', 'failed']
        .map((result) => `${count(result)} ${result}`)
        .join(', ');
      return { results };
    },
  );
}
