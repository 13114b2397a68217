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

/** The problem types this API answers with: title and when, for the reference page too. */
export const PROBLEM_TYPES = {
  'invalid-input': {
    status: 422,
    title: 'Invalid input',
    when: 'a field is missing, malformed or unknown; `errors` names each',
  },
  'malformed-request': { status: 400, title: 'Malformed request', when: 'the body is not JSON' },
  unauthenticated: { status: 401, title: 'Unauthenticated', when: 'no API key or session, or an unknown key' },
  forbidden: {
    status: 403,
    title: 'Forbidden',
    when: "the key's role may not do this, or the console's CSRF token is missing",
  },
  'not-found': { status: 404, title: 'Not found', when: 'no refund for this tid, or no such path' },
  conflict: {
    status: 409,
    title: 'Refused by the refund',
    when: 'the refund is not in a phase that allows this, or it ended',
  },
  'too-many-requests': {
    status: 429,
    title: 'Too many requests',
    when: 'too many OTPs from one key, or an OTP resend too soon',
  },
  'unsupported-media-type': { status: 415, title: 'Unsupported media type', when: 'the body is not application/json' },
  'temporal-unavailable': {
    status: 503,
    title: 'Temporal unavailable',
    when: 'Temporal or the refund worker did not answer',
  },
  internal: { status: 500, title: 'Internal error', when: 'a bug: the log has the details' },
} as const;
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
    retryAfterSeconds: z.number().int().optional().describe('When to try again (429)'),
  })
  .meta({ id: 'Problem' });

export type FieldError = z.infer<typeof fieldErrorSchema>;

export class Problem extends Error {
  override readonly name = 'Problem';
  constructor(
    readonly type: ProblemType,
    readonly detail: string,
    readonly extra: { errors?: FieldError[]; retryAfterSeconds?: number } = {},
  ) {
    super(detail);
  }
  get status(): number {
    return PROBLEM_TYPES[this.type].status;
  }
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
  if (error instanceof RefundRequestError) {
    if (error.reason === 'not_found') return new Problem('not-found', error.message);
    const { retryAfterSeconds } = error;
    if (retryAfterSeconds !== undefined) return new Problem('too-many-requests', error.message, { retryAfterSeconds });
    return new Problem('conflict', error.message);
  }
  if ([GRPC_DEADLINE_EXCEEDED, GRPC_UNAVAILABLE].includes(grpcCode(error) ?? -1)) {
    // DEADLINE_EXCEEDED: no worker answered the update; UNAVAILABLE: no Temporal.
    return new Problem('temporal-unavailable', 'Temporal or the refund worker did not answer in time; try again');
  }
  const fastifyError = error as Partial<FastifyError>;
  if (fastifyError.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return new Problem('unsupported-media-type', 'send the body as application/json');
  }
  if (fastifyError.statusCode === 429) return new Problem('too-many-requests', fastifyError.message ?? 'slow down');
  if (fastifyError.statusCode !== undefined && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    // Fastify's own refusals (unparsable JSON, body too large): its messages hold no input.
    return new Problem('malformed-request', fastifyError.message ?? 'malformed request');
  }
  return undefined;
}

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
