/**
 * Errors as `application/problem+json` (RFC 9457): `type`, `title`, `status`, `detail`, and for
 * bad input the fields at fault. Never a stack trace, never an input value (it may be an OTP).
 * Each `type` points at its entry on the reference page (/docs).
 */
import { isGrpcServiceError, ServiceError } from '@temporalio/client';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { InvalidInputError } from '../contract';
import { RefundRequestError } from '../client';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/**
 * The problem types this API answers with: title and when, for the reference page too; `example`
 * is a typical answer's detail (and extra fields) for the OpenAPI document; `retryAfter` marks the
 * ones sent with a Retry-After header.
 */
export const PROBLEM_TYPES = {
  'invalid-input': {
    status: 422,
    title: 'Invalid input',
    when: 'a field is missing, malformed or unknown; `errors` names each',
    example: {
      detail: 'otp: otp must be 4 to 8 digits',
      errors: [{ field: 'otp', message: 'otp must be 4 to 8 digits' }],
    },
  },
  'malformed-request': {
    status: 400,
    title: 'Malformed request',
    when: 'the body is not JSON',
    example: { detail: "Body is not valid JSON but content-type is set to 'application/json'" },
  },
  unauthenticated: {
    status: 401,
    title: 'Unauthenticated',
    when: 'no API key or session, or an unknown key',
    example: { detail: 'unknown API key' },
  },
  forbidden: {
    status: 403,
    title: 'Forbidden',
    when: "the key's role may not do this, or the console's CSRF token is missing",
    example: { detail: 'the viewer role may not start refunds' },
  },
  'not-found': {
    status: 404,
    title: 'Not found',
    when: 'no refund for this tid, or no such path',
    example: { detail: 'no refund workflow for tid 1000000001' },
  },
  'start-conflict': {
    status: 409,
    title: 'Running with other options',
    when: 'a refund of this tid runs with other options; `fields` names them',
    example: {
      detail: 'a refund of tid 1000000001 is already running with other otpTimeout',
      fields: ['otpTimeout'],
    },
  },
  'not-awaiting-otp': {
    status: 409,
    title: 'Not waiting for an OTP',
    when: 'the OTP deadline passed: the refund no longer takes an OTP',
    example: { detail: 'OTP not accepted: the OTP deadline passed' },
  },
  'refund-ended': {
    status: 409,
    title: 'Refund ended',
    when: 'the refund already ended; nothing more to do',
    example: { detail: 'the refund already ended as REFUNDED' },
  },
  'submitted-to-eko': {
    status: 409,
    title: 'Submitted to Eko',
    when: 'the refund call may have reached Eko: no OTP or cancel now; it is tracked to its outcome',
    example: { detail: 'the refund was submitted to Eko (PENDING); it is tracked to a final outcome' },
  },
  'resend-refused': {
    status: 409,
    title: 'Resend refused',
    when: 'a resend is under way, or the OTP was resent as often as allowed',
    example: { detail: 'OTP not resent: the OTP was already resent 5 times' },
  },
  refused: {
    status: 409,
    title: 'Refused by the refund',
    when: 'the refund refused this for another reason',
    example: { detail: 'the refund refused this update' },
  },
  'resend-too-soon': {
    status: 429,
    title: 'Resend too soon',
    when: 'an OTP was requested less than resendInterval ago; Retry-After says when to resend',
    retryAfter: true,
    example: {
      detail: 'OTP not resent: an OTP was requested less than 60 seconds ago; retry in 42 s',
      retryAfterSeconds: 42,
    },
  },
  'rate-limited': {
    status: 429,
    title: 'Rate limited',
    when: 'too many OTPs from one key in a minute; Retry-After says when to try again',
    retryAfter: true,
    example: { detail: 'at most 10 OTPs per minute per API key; retry in 37 s', retryAfterSeconds: 37 },
  },
  'body-too-large': {
    status: 413,
    title: 'Body too large',
    when: 'the request body is larger than the API takes',
    example: { detail: 'Request body is too large' },
  },
  'unsupported-media-type': {
    status: 415,
    title: 'Unsupported media type',
    when: 'the body is not application/json',
    example: { detail: 'send the body as application/json' },
  },
  'temporal-unavailable': {
    status: 503,
    title: 'Temporal unavailable',
    when: 'Temporal or the refund worker did not answer; Retry-After says when to try again',
    retryAfter: true,
    example: { detail: 'Temporal or the refund worker did not answer in time; try again', retryAfterSeconds: 5 },
  },
  internal: {
    status: 500,
    title: 'Internal error',
    when: 'a bug: the log has the details',
    example: { detail: 'the request failed; the log has the details' },
  },
} as const satisfies Record<string, ProblemKind>;

interface ProblemKind {
  status: number;
  title: string;
  when: string;
  retryAfter?: true;
  example: { detail: string; errors?: readonly FieldError[]; fields?: readonly string[]; retryAfterSeconds?: number };
}
export type ProblemType = keyof typeof PROBLEM_TYPES;

export const fieldErrorSchema = z.object({ field: z.string(), message: z.string() });
export const problemSchema = z
  .object({
    type: z.string().describe('A link to this kind of problem on /docs'),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional().describe('The request path'),
    errors: z.array(fieldErrorSchema).optional().describe('The fields at fault (422)'),
    retryAfterSeconds: z.number().int().optional().describe('When to try again (429, 503)'),
    fields: z.array(z.string()).optional().describe('The options a running refund differs in (start-conflict)'),
  })
  .meta({ id: 'Problem' });

export type FieldError = z.infer<typeof fieldErrorSchema>;

export class Problem extends Error {
  override readonly name = 'Problem';
  constructor(
    readonly type: ProblemType,
    readonly detail: string,
    readonly extra: { errors?: FieldError[]; retryAfterSeconds?: number; fields?: string[] } = {},
  ) {
    super(detail);
  }
  get status(): number {
    return PROBLEM_TYPES[this.type].status;
  }
}

/** A problem answer of this kind as the API sends it, with the kind's example detail: for the OpenAPI document. */
export function problemExample(type: ProblemType, instance?: string) {
  const { status, title, example } = PROBLEM_TYPES[type];
  const { detail, ...extra }: ProblemKind['example'] = example;
  return { type: `/docs#problem-${type}`, title, status, detail, ...(instance ? { instance } : {}), ...extra };
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, problem: Problem): FastifyReply {
  const body = {
    type: `/docs#problem-${problem.type}`,
    title: PROBLEM_TYPES[problem.type].title,
    status: problem.status,
    detail: problem.detail,
    instance: request.url.split('?')[0],
    ...problem.extra,
  };
  if (problem.type === 'unauthenticated') reply.header('www-authenticate', 'Bearer realm="eko-refund"');
  if (problem.extra.retryAfterSeconds !== undefined)
    reply.header('retry-after', String(problem.extra.retryAfterSeconds));
  request.auditResult = `${problem.status} ${problem.type}`;
  // A string body: fastify sends it as is, with the problem content type.
  return reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(body));
}

/** Maps any error to a problem; `undefined` when it is a bug (the caller logs it and answers 500). */
export function toProblem(error: unknown): Problem | undefined {
  if (error instanceof Problem) return error;
  if (hasZodFastifySchemaValidationErrors(error)) {
    const where = (error as FastifyError).validationContext;
    const errors = error.validation.flatMap((issue) => {
      const field = fieldName(where, issue.instancePath);
      if (issue.keyword === 'unrecognized_keys' && Array.isArray(issue.params.keys)) {
        return issue.params.keys.map((key) => ({
          field: field === where ? String(key) : `${field}.${key}`,
          message: 'unknown field',
        }));
      }
      const expected = issue.keyword === 'invalid_type' ? issue.params.expected : undefined;
      return [
        { field, message: typeof expected === 'string' ? `expected ${expected}` : (issue.message ?? issue.keyword) },
      ];
    });
    return new Problem('invalid-input', errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors });
  }
  if (error instanceof InvalidInputError) return new Problem('invalid-input', error.message);
  // The client's reasons are the problem types.
  if (error instanceof RefundRequestError) return new Problem(error.reason, error.message, error.details);
  if ([GRPC_DEADLINE_EXCEEDED, GRPC_UNAVAILABLE].includes(grpcCode(error) ?? -1)) {
    // DEADLINE_EXCEEDED: no worker answered the update; UNAVAILABLE: no Temporal.
    const detail = 'Temporal or the refund worker did not answer in time; try again';
    return new Problem('temporal-unavailable', detail, { retryAfterSeconds: RETRY_AFTER_UNAVAILABLE_S });
  }
  const fastifyError = error as Partial<FastifyError>;
  if (fastifyError.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return new Problem('unsupported-media-type', 'send the body as application/json');
  }
  if (fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new Problem('body-too-large', fastifyError.message!);
  if (fastifyError.statusCode === 429) return new Problem('rate-limited', fastifyError.message ?? 'slow down');
  if (fastifyError.statusCode !== undefined && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    // Fastify's own refusals (unparsable JSON, body too large): its messages hold no input.
    return new Problem('malformed-request', fastifyError.message ?? 'malformed request');
  }
  return undefined;
}

/** A 503's Retry-After: Temporal or a worker is usually back within seconds. */
const RETRY_AFTER_UNAVAILABLE_S = 5;
const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_UNAVAILABLE = 14;

/** The gRPC status of a Temporal call's failure: raw, or wrapped by the SDK in a ServiceError. */
function grpcCode(error: unknown): number | undefined {
  if (isGrpcServiceError(error)) return error.code;
  if (error instanceof ServiceError && isGrpcServiceError(error.cause)) return error.cause.code;
  return undefined;
}

function fieldName(where: string | undefined, instancePath: string): string {
  return instancePath.replace(/^\//, '').replaceAll('/', '.') || where || 'input';
}
