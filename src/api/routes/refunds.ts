/** The refund endpoints: start, list, export, read, and the support actions (OTP, resend, cancel). */
import { Readable } from 'node:stream';
import { z } from 'zod';
import { csvLines, EXPORT_COLUMNS, type RefundClient } from '../../client';
import { RefundOutcome, RefundPhase } from '../../contract';
import { type HeaderDoc, problemResponses, type ZodApp } from '../openapi';
import type { WrongOtps } from '../otp-budget';
import { checkPolicy, type OtpPolicy, withPolicyDefaults } from '../otp-policy';
import { Problem } from '../problems';
import {
  cancelAnswerSchema,
  EXAMPLE_TID,
  EXAMPLES,
  cancelBodySchema,
  listQuerySchema,
  refundFilterSchema,
  otpAnswerSchema,
  otpBodySchema,
  refundPageSchema,
  refundStatusSchema,
  resendAnswerSchema,
  startBodySchema,
  startedSchema,
  tidParamsSchema,
} from '../schemas';

export interface RefundRouteOptions {
  refunds: RefundClient;
  otpLimitPerMinute: number;
  wrongOtps: WrongOtps;
  /** What a start may only tighten: the server's OTP policy. */
  otpPolicy: OtpPolicy;
}

const tags = ['refunds'];

/** @fastify/rate-limit's headers on the OTP route's answers. */
const RATE_LIMIT_HEADERS: Record<string, HeaderDoc> = {
  'X-RateLimit-Limit': { description: 'OTPs this key may submit per minute', schema: { type: 'integer' } },
  'X-RateLimit-Remaining': { description: 'OTPs this key may still submit this minute', schema: { type: 'integer' } },
  'X-RateLimit-Reset': { description: 'Seconds until the minute’s count starts again', schema: { type: 'integer' } },
};
const EXAMPLE_CSV_ROW =
  `${EXAMPLE_TID},REFUNDED,REFUNDED,750.00,7.50,757.50,2147000001,2026-12-01T10:15:00.633Z,` +
  '2026-12-01T10:17:41.059Z,billing,support-desk,Refund done';

export function refundRoutes(
  app: ZodApp,
  { refunds, otpLimitPerMinute, wrongOtps, otpPolicy }: RefundRouteOptions,
): void {
  app.post(
    '/v1/refunds',
    {
      config: { access: 'start', audit: 'start' },
      // Before the schema fills in the contract's defaults: what the caller left out is the server's.
      preValidation: async (request) => {
        if (typeof request.body === 'object' && request.body !== null && !Array.isArray(request.body)) {
          request.body = withPolicyDefaults(request.body, otpPolicy);
        }
      },
      schema: {
        operationId: 'startRefund',
        tags,
        summary: 'Start the refund of a failed transaction (one per tid)',
        description:
          'The body is the workflow input; only `tid` is required. 201 when a refund started, 200 with ' +
          '`created: false` when one was already running for the tid with the same options (it is that one), ' +
          '409 `start-conflict` naming the options when it runs with others. A tid that was refunded is never ' +
          "refunded again, so a start is safe to send again. `requestedBy` is the API key's name.",
        body: startBodySchema,
        response: {
          200: {
            description: 'A refund of this tid was already running with the same options: it is that one',
            content: { 'application/json': { schema: startedSchema } },
          },
          201: { description: 'Started', content: { 'application/json': { schema: startedSchema } } },
          ...problemResponses('start-conflict', 'invalid-input', 'temporal-unavailable'),
        },
        bodyExamples: { start: EXAMPLES.startBody },
        responseExamples: { 200: { alreadyRunning: EXAMPLES.alreadyRunning }, 201: { started: EXAMPLES.started } },
        responseHeaders: {
          201: {
            Location: {
              description: 'The new refund: GET it for its state',
              schema: { type: 'string', format: 'uri-reference' },
              example: `/v1/refunds/${EXAMPLE_TID}`,
            },
          },
        },
      },
    },
    async (request, reply) => {
      checkPolicy(request.body, otpPolicy);
      const started = await refunds.start({ ...request.body, requestedBy: request.principal?.name });
      request.auditResult = started.created ? 'created' : 'already running';
      if (started.created) reply.header('location', `/v1/refunds/${request.body.tid}`);
      return reply.code(started.created ? 201 : 200).send({ tid: request.body.tid, ...started });
    },
  );

  app.get(
    '/v1/refunds',
    {
      config: { access: 'read' },
      schema: {
        operationId: 'listRefunds',
        tags,
        summary: 'Refunds, newest first, a page at a time: by phase or outcome, start time, requester or tid',
        querystring: listQuerySchema,
        response: { 200: refundPageSchema, ...problemResponses('invalid-input', 'temporal-unavailable') },
        responseExamples: { 200: { page: EXAMPLES.refundPage } },
      },
    },
    async (request) => {
      const { limit, pageToken, ...filter } = request.query;
      const page = await refunds.listPage({ ...filter, pageSize: limit, pageToken });
      return { refunds: page.refunds, nextPageToken: page.nextPageToken ?? null };
    },
  );

  app.get(
    '/v1/refunds/export.csv',
    {
      config: { access: 'read' },
      schema: {
        operationId: 'exportRefunds',
        tags,
        summary: 'Refunds as CSV for reconciliation, with the list’s filters (streamed)',
        description:
          `One row a refund, newest first, columns: ${EXPORT_COLUMNS.join(', ')}. Amounts are Eko's, as ` +
          'decimal text; times ISO 8601 UTC. A running refund has no fee, refunded amount or Eko refund tid yet.',
        querystring: refundFilterSchema,
        response: {
          200: { description: 'text/csv, a header line first', content: { 'text/csv': { schema: z.string() } } },
          ...problemResponses('invalid-input', 'temporal-unavailable'),
        },
        responseExamples: {
          200: {
            csv: {
              summary: 'The header and one refund',
              value: `${EXPORT_COLUMNS.join(',')}\r\n${EXAMPLE_CSV_ROW}\r\n`,
            },
          },
        },
        responseHeaders: {
          200: {
            'Content-Disposition': {
              description: 'A download named after the day (UTC) of the export',
              schema: { type: 'string' },
              example: 'attachment; filename="refunds-2026-12-01.csv"',
            },
          },
        },
      },
    },
    async (request, reply) => {
      // The filter is checked here: a bad one is a 422 before any row is sent.
      const rows = refunds.export(request.query);
      const stream = Readable.from(csvLines(rows));
      stream.on('error', (err) => request.log.error({ err }, 'export stopped'));
      const day = new Date().toISOString().slice(0, 10);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="refunds-${day}.csv"`)
        .send(stream as unknown as string); // fastify pipes a stream as is; the schema documents its text
    },
  );

  app.get(
    '/v1/refunds/:tid',
    {
      config: { access: 'read' },
      schema: {
        operationId: 'getRefund',
        tags,
        summary: 'The state of a refund (as `eko-refund status --json`)',
        params: tidParamsSchema,
        response: {
          200: refundStatusSchema,
          ...problemResponses('not-found', 'invalid-input', 'temporal-unavailable'),
        },
        responseExamples: { 200: { awaitingOtp: EXAMPLES.awaitingOtp, refunded: EXAMPLES.refunded } },
      },
    },
    (request) => refunds.getState(request.params.tid),
  );

  app.post(
    '/v1/refunds/:tid/otp',
    {
      config: {
        access: 'operate',
        audit: 'submitOtp',
        rateLimit: { max: otpLimitPerMinute, timeWindow: 60_000 },
      },
      schema: {
        operationId: 'submitOtp',
        tags,
        summary: "Submit the customer's OTP; answers once Eko has seen it",
        description:
          'A wrong OTP is a 200 with phase `AWAITING_OTP` and the attempts left; the last wrong one ends ' +
          `the refund as OTP_EXPIRED. At most ${otpLimitPerMinute} OTPs per key per minute, and a budget of ` +
          'wrong OTPs per key or person per minute and per day (429 `rate-limited` once spent).',
        params: tidParamsSchema,
        body: otpBodySchema,
        response: {
          200: otpAnswerSchema,
          ...problemResponses(
            'not-found',
            'not-awaiting-otp',
            'refund-ended',
            'submitted-to-eko',
            'refused',
            'invalid-input',
            'rate-limited',
            'temporal-unavailable',
          ),
        },
        bodyExamples: { otp: EXAMPLES.otpBody },
        responseExamples: { 200: { refunded: EXAMPLES.otpRefunded, wrongOtp: EXAMPLES.otpWrong } },
        responseHeaders: { 200: RATE_LIMIT_HEADERS, 429: RATE_LIMIT_HEADERS },
      },
    },
    async (request) => {
      const who = request.principal!.name;
      // Redis away: the budget is not enforced for that while (each refund still ends after maxOtpAttempts).
      const unavailable = (err: unknown) => void request.log.error({ err }, 'wrong-OTP budget unavailable');
      const spent = await wrongOtps.refusal(who).catch(unavailable);
      if (spent) {
        const { window, retryAfterSeconds } = spent;
        const detail = `too many wrong OTPs from this key or person this ${window}; retry in ${retryAfterSeconds} s`;
        throw new Problem('rate-limited', detail, { retryAfterSeconds });
      }
      const answer = await refunds.submitOtp(request.params.tid, { ...request.body, actor: who });
      // An OTP that did not move the refund on was wrong (or Eko's had expired: counted alike).
      if (answer.phase === RefundPhase.AWAITING_OTP || answer.phase === RefundOutcome.OTP_EXPIRED) {
        await wrongOtps.wrong(who).catch(unavailable);
      }
      request.auditResult = answer.phase;
      return answer;
    },
  );

  app.post(
    '/v1/refunds/:tid/resend-otp',
    {
      config: { access: 'operate', audit: 'resendOtp' },
      schema: {
        operationId: 'resendOtp',
        tags,
        summary: 'Ask Eko to text the customer a new OTP',
        description: 'No body. 409 or 429 (with Retry-After) when refused, with the reason.',
        params: tidParamsSchema,
        response: {
          200: resendAnswerSchema,
          ...problemResponses(
            'not-found',
            'resend-refused',
            'refund-ended',
            'submitted-to-eko',
            'refused',
            'invalid-input',
            'resend-too-soon',
            'temporal-unavailable',
          ),
        },
        responseExamples: { 200: { resent: EXAMPLES.resent } },
      },
    },
    async (request) => {
      const answer = await refunds.resendOtp(request.params.tid, { actor: request.principal?.name });
      request.auditResult = answer.phase;
      return answer;
    },
  );

  app.post(
    '/v1/refunds/:tid/cancel',
    {
      config: { access: 'operate', audit: 'cancel' },
      schema: {
        operationId: 'cancelRefund',
        tags,
        summary: 'Cancel a refund that has not reached Eko',
        description: '409 once the refund call may have reached Eko: it is then tracked to a final outcome.',
        params: tidParamsSchema,
        body: cancelBodySchema,
        response: {
          200: cancelAnswerSchema,
          ...problemResponses(
            'not-found',
            'submitted-to-eko',
            'refund-ended',
            'refused',
            'invalid-input',
            'temporal-unavailable',
          ),
        },
        bodyExamples: { cancel: EXAMPLES.cancelBody },
        responseExamples: { 200: { cancelled: EXAMPLES.cancelled } },
      },
    },
    async (request) => {
      const answer = await refunds.cancel(request.params.tid, { ...request.body, actor: request.principal?.name });
      request.auditResult = answer.phase;
      return answer;
    },
  );
}
