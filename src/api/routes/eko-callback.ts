/**
 * Eko's transaction status callback (docs/contract/refund-api.md, "Refunds that start
 * themselves"): Refund Pending (tx_status 3) starts the tid's refund, as `POST /v1/refunds` would.
 * The callback is unsigned, so it is only a hint: the refund's own inquiry decides, and a forged
 * one can at most start a refund that ends NOT_REFUNDABLE. Its body carries personal data
 * (account, names, IFSC): only tid and tx_status are read, and nothing of it is logged.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { RefundClient } from '../../client';
import { tidSchema } from '../../contract';
import { TxStatus } from '../../eko/answers';
import { addressList, listed } from '../cidr';
import type { EkoCallbackConfig } from '../config';
import { type OtpPolicy, withinPolicy } from '../otp-policy';
import { problemResponses, type ZodApp } from '../openapi';
import { Problem, toProblem } from '../problems';

/** Who the audit line and the refund's `requestedBy` name. */
export const EKO_CALLBACK_ACTOR = 'eko-callback';
const PATH_PREFIX = '/v1/eko/callback/';

const tidField = z
  .union([z.number().int().min(0).max(Number.MAX_SAFE_INTEGER), z.string()])
  .transform(String)
  .pipe(tidSchema)
  .describe('A number in Eko’s sample; a string of digits is accepted too');

/** The fields read of Eko's documented body (eko-api.md); the others are accepted and ignored. */
export const ekoCallbackBodySchema = z
  .looseObject({
    tid: tidField,
    tx_status: z.union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)]),
  })
  .meta({
    id: 'EkoCallback',
    description: 'Eko’s transaction status callback body; only tid and tx_status are read',
  });

const answerSchema = z
  .object({
    received: z.literal(true),
    refund: z
      .enum(['started', 'already-running', 'ignored'])
      .describe('started or already running for tx_status 3; other statuses are counted and ignored'),
  })
  .meta({ id: 'EkoCallbackAnswer', description: 'Received' });

export function ekoCallbackRoutes(
  app: ZodApp,
  refunds: RefundClient,
  config: EkoCallbackConfig,
  otpPolicy: OtpPolicy,
): void {
  const expected = digest(config.token);
  const allowed = config.allow.length > 0 ? addressList(config.allow) : undefined;
  app.post(
    `${PATH_PREFIX}:token`,
    {
      config: { access: 'public', audit: 'ekoCallback' },
      attachValidation: true,
      schema: {
        operationId: 'ekoCallback',
        tags: ['eko'],
        summary: 'Eko’s transaction status callback: Refund Pending starts the refund',
        description:
          'Register this URL with Eko; `token` is EKO_CALLBACK_TOKEN. Answers 200 for any status Eko ' +
          'sends (tx_status 3 starts the refund of the tid, with no new OTP request unless ' +
          'EKO_CALLBACK_REQUEST_OTP is true), 400 for a body that is not Eko’s shape (nothing started).',
        params: z.object({ token: z.string().describe('EKO_CALLBACK_TOKEN') }),
        body: ekoCallbackBodySchema,
        response: {
          200: answerSchema,
          ...problemResponses('malformed-request', 'forbidden', 'not-found', 'temporal-unavailable'),
        },
        bodyExamples: {
          refundPending: {
            summary: 'Refund Pending (tx_status 3): starts the refund',
            value: { tx_status: 3, tid: 3211509412, txstatus_desc: 'Refund Pending', old_tx_status: 2, amount: 900.0 },
          },
        },
        responseExamples: {
          200: { started: { summary: 'The refund started', value: { received: true, refund: 'started' } } },
        },
      },
    },
    async (request) => {
      request.auditActor = EKO_CALLBACK_ACTOR;
      if (!timingSafeEqual(digest(request.params.token), expected)) {
        throw new Problem('not-found', 'no such path');
      }
      if (allowed && !listed(allowed, request.ip)) {
        throw new Problem('forbidden', 'this address may not send Eko callbacks (EKO_CALLBACK_ALLOW)');
      }
      if (request.validationError) {
        const detail = toProblem(request.validationError)?.detail ?? 'not Eko’s callback body';
        throw new Problem('malformed-request', `not Eko’s transaction status callback: ${detail}`);
      }
      const { tid, tx_status: txStatus } = request.body;
      if (txStatus !== TxStatus.RefundPending) {
        request.auditResult = `ignored: tx_status ${txStatus}`;
        return { received: true, refund: 'ignored' } as const;
      }
      const started = await refunds.start(
        withinPolicy(
          {
            tid,
            requestedBy: EKO_CALLBACK_ACTOR,
            requestOtp: config.requestOtp,
            reason: 'Eko’s transaction status callback: Refund Pending',
          },
          otpPolicy,
        ),
        { onConflict: 'use' },
      );
      request.auditResult = started.created ? 'created' : 'already running';
      return { received: true, refund: started.created ? 'started' : 'already-running' } as const;
    },
  );
}

/** Equal-length digests, so the comparison takes the same time whatever was sent. */
function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/** The token is a secret: request log lines show the path without it. */
export function withoutCallbackToken(url: string): string {
  return url.startsWith(PATH_PREFIX) ? `${PATH_PREFIX}…` : url;
}
