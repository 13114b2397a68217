import type { FastifyReply, FastifyRequest } from 'fastify';
import type pino from 'pino';
import { tidSchema } from '../contract';

/**
 * Audit lines for every state-changing call, on a logger of their own (LOG_LEVEL does not silence
 * them): one before the action goes to Temporal (`stage: requested`, so that a call whose client
 * went away mid-way is still on record) and one with its result (`stage: done`, also for a call
 * refused before it got that far). Who (key name or person, and role), what, which tid, the
 * request id, the client's address and user agent. Never a request body: it may hold an OTP or a key.
 */
export function auditHooks(logger: pino.Logger) {
  const line = (request: FastifyRequest, stage: 'requested' | 'done', outcome: object = {}) => {
    const action = request.routeOptions.config.audit!;
    const audit = {
      stage,
      action,
      keyName: request.principal?.name ?? request.auditActor ?? null,
      role: request.principal?.role ?? null,
      tid: tidOf(request),
      ...outcome,
      requestId: request.id,
      address: request.ip,
      userAgent: request.headers['user-agent']?.slice(0, 200) ?? null,
    };
    logger.info({ audit }, `audit: ${action} ${stage}`);
  };
  return {
    /** After authentication and validation, right before the handler sends anything to Temporal. */
    async preHandler(request: FastifyRequest): Promise<void> {
      if (request.routeOptions.config.audit) line(request, 'requested');
    },
    async onResponse(request: FastifyRequest, reply: FastifyReply): Promise<void> {
      if (!request.routeOptions.config.audit) return;
      line(request, 'done', { status: reply.statusCode, result: request.auditResult ?? String(reply.statusCode) });
    },
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
