/**
 * Live state as server-sent events: the state at once, then on every change, until the refund
 * ends. The workflow pushes nothing, so the API reads the state (search attributes and the pending
 * activity, never a query) at a bounded interval per open stream, and closes the stream at the
 * outcome (or when the run closed without one).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { RefundClient, RefundStatus } from '../../client';
import { z } from 'zod';
import { problemResponses, type ZodApp } from '../openapi';
import { toProblem } from '../problems';
import { refundStatusSchema, tidParamsSchema } from '../schemas';
import type { Streams } from '../streams';

export interface EventRouteOptions {
  refunds: RefundClient;
  /** How often each stream polls the state (250 ms to 10 s). */
  pollMs: number;
  streams: Streams;
}

const HEARTBEAT_MS = 15_000;
// A stream that long is closed; the browser's EventSource reconnects by itself.
const MAX_STREAM_MS = 30 * 60_000;
const RECONNECT_MS = 3_000;

const ended = (state: RefundStatus) => state.outcome !== undefined || state.workflowStatus !== 'RUNNING';

export function eventRoutes(app: ZodApp, { refunds, pollMs, streams }: EventRouteOptions): void {
  const interval = Math.min(Math.max(pollMs, 250), 10_000);
  // Open streams end when the server closes, so that closing does not wait for them.
  app.addHook('preClose', async () => streams.endAll());
  app.get(
    '/v1/refunds/:tid/events',
    {
      config: { access: 'read' },
      schema: {
        operationId: 'streamRefundEvents',
        tags: ['refunds'],
        summary: 'Live state (text/event-stream) until the refund ends',
        description:
          'Events: `state` (a RefundState, at once and on every change), `end` (`{ phase, outcome }`: the refund ' +
          'ended, or its run closed without an outcome; the stream closes), `problem` (Temporal did not answer; the stream closes and EventSource reconnects).',
        params: tidParamsSchema,
        response: {
          200: {
            description: 'Server-sent events: `state` (data: a RefundState as JSON), `end`, `problem`',
            content: {
              'text/event-stream': {
                schema: z.string().describe('An event stream (text/event-stream); each `data` line is JSON'),
              },
            },
          },
          ...problemResponses('not-found', 'invalid-input', 'rate-limited', 'temporal-unavailable'),
        },
      },
    },
    async (request, reply) => {
      const { tid } = request.params;
      // Unknown tid, no Temporal: a plain problem answer before the stream opens.
      let state = await refunds.getState(tid);
      // Past the caps: a 429 problem, before the stream opens.
      const { stop, close } = streams.start(request.principal!.name, request.session?.id);
      reply.hijack();
      const res = reply.raw;
      // The security headers set for every answer; fastify no longer sends this one.
      for (const [name, value] of Object.entries(reply.getHeaders()))
        if (value !== undefined) res.setHeader(name, value);
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        // Proxies (nginx) would otherwise hold events back.
        'x-accel-buffering': 'no',
      });
      // The response's close, not the request's: a GET's request closes as soon as it has been read.
      res.once('close', () => stop.abort());
      const send = (event: string, json: string) => res.write(`event: ${event}\ndata: ${json}\n\n`);
      // The same allowlist of fields as GET /v1/refunds/{tid}.
      const view = (status: RefundStatus) => JSON.stringify(refundStatusSchema.parse(status));
      res.write(`retry: ${RECONNECT_MS}\n\n`);

      let last = view(state);
      send('state', last);
      const until = Date.now() + MAX_STREAM_MS;
      let quietSince = Date.now();
      try {
        while (!ended(state) && Date.now() < until) {
          await sleep(interval, undefined, { signal: stop.signal });
          state = await refunds.getState(tid);
          const current = view(state);
          if (current !== last) {
            send('state', current);
            last = current;
            quietSince = Date.now();
          } else if (Date.now() - quietSince > HEARTBEAT_MS) {
            res.write(': still running\n\n');
            quietSince = Date.now();
          }
        }
        if (ended(state)) {
          // No outcome: the run was terminated (or failed by a bug); the Web UI tells why.
          send('end', JSON.stringify({ phase: state.phase, outcome: state.outcome ?? null }));
        }
      } catch (err) {
        if (stop.signal.aborted) return; // the client went away
        const problem = toProblem(err);
        if (!problem) request.log.error({ err }, 'event stream failed');
        send(
          'problem',
          JSON.stringify({ status: problem?.status ?? 500, detail: problem?.detail ?? 'internal error' }),
        );
      } finally {
        close();
        res.end();
      }
    },
  );
}
