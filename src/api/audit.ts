import type { FastifyReply, FastifyRequest } from 'fastify';
import type pino from 'pino';
import { tidSchema } from '../contract';

/**
 * One audit line per state-changing call, whatever its result: who (key name and role), what,
 * which tid, and how it ended. Never a request body: it may hold an OTP or a key.
 */
export function auditLogger(logger: pino.Logger) {
  return async function audit(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const action = request.routeOptions.config.audit;
    if (!action) return;
    logger.info(
      {
        audit: {
          action,
          keyName: request.principal?.name ?? request.auditActor ?? null,
          role: request.principal?.role ?? null,
          tid: tidOf(request),
          status: reply.statusCode,
          result: request.auditResult ?? String(reply.statusCode),
        },
      },
      `audit: ${action} ${reply.statusCode}`,
    );
  };
}

/**
 * The tid from the path, a notification id (`refund-<tid>-…`) or the start body, only when it is
 * one (never echo arbitrary input).
 */
function tidOf(request: FastifyRequest): string | null {
  const params = request.params as { tid?: unknown; id?: unknown } | undefined;
  const body = request.body as { tid?: unknown } | undefined;
  const notification = typeof params?.id === 'string' ? /^refund-(\d+)-/.exec(params.id)?.[1] : undefined;
  const tid = params?.tid ?? notification ?? (typeof body === 'object' && body !== null ? body.tid : undefined);
  return tidSchema.safeParse(tid).success ? (tid as string) : null;
}
