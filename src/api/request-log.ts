/**
 * Fastify's request log lines with plain values only: method, URL, status, time. The project's
 * logger redacts every logged object before pino's serializers run, so fastify's own lines, which
 * pass the request and reply objects, would lose their fields (or loop on the reply's cycles).
 * Headers (API keys), bodies (OTPs) and the Eko callback's token are never logged.
 */
import { type FastifyBaseLogger, type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import { withoutCallbackToken } from './routes/eko-callback';

const line = (request: FastifyRequest, reply?: FastifyReply) => ({
  method: request.method,
  url: withoutCallbackToken(request.url),
  status: reply?.statusCode,
  ms: reply ? Math.round(reply.elapsedTime) : undefined,
});
const errorOf = (error: unknown) =>
  error instanceof Error ? { name: error.name, message: error.message } : { message: String(error) };

export class PlainRequestLog extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    request.log.debug(line(request), 'incoming request');
  }

  override requestCompleted(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
    if (error) reply.log.error({ ...line(request, reply), err: errorOf(error) }, 'request errored');
    else reply.log.info(line(request, reply), 'request completed');
  }

  override defaultErrorLog(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
    reply.log.error({ ...line(request, reply), err: errorOf(error) }, 'request failed');
  }

  override streamError(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
    reply.log.warn({ ...line(request, reply), err: errorOf(error) }, 'response stream failed');
  }

  override writeHeadError(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
    reply.log.warn({ ...line(request, reply), err: errorOf(error) }, 'writing the response head failed');
  }

  override serviceUnavailable(logger: FastifyBaseLogger): void {
    logger.info({ status: 503 }, 'refusing a request: the server is closing');
  }
}
