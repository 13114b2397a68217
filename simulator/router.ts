import type http from 'node:http';
import { TxStatus } from '../src/eko/answers';
import { answerEko, type EkoCall } from './endpoints';
import { type Reply, dialectOf, json } from './envelope';
import { DEFAULT_LATENCY_MS, strikeAfter, strikeBefore } from './faults';
import { perform, type RequestHandler, send } from './http-server';
import type { SimEndpoint, SimTransaction } from './model';
import { checkRequest } from './signature';
import type { SimState } from './state';

export type AdminHandler = (method: string, url: URL, body: string) => Reply;

/** Routes `/__sim/...` to the admin surface and everything else to Eko's endpoints. */
export function createRouter(state: SimState, admin: AdminHandler): RequestHandler {
  return async (req, res, body) => {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://simulator');
    if (url.pathname.startsWith('/__sim/')) return send(res, admin(method, url, body));
    const route = matchEkoRoute(method, url.pathname);
    if ('reply' in route) return send(res, route.reply);
    await serveEko(state, req, res, route.endpoint, route.tid, body, url.searchParams);
  };
}

async function serveEko(
  state: SimState,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  endpoint: SimEndpoint,
  tid: string,
  body: string,
  query: URLSearchParams,
): Promise<void> {
  // Counted on arrival, so a test can see a call that is still in flight.
  const tx = state.transactions.get(tid);
  if (tx) countArrival(tx, endpoint);
  const fault = state.faults.take(endpoint, tid);
  const latencyMs = state.config.latencyMs + (fault?.type === 'latency' ? (fault.latencyMs ?? DEFAULT_LATENCY_MS) : 0);
  if (latencyMs > 0) await state.wait(latencyMs);
  const before = strikeBefore(fault, dialectOf(tx, state.config.dialect));
  if (before) return perform(before, req, res);

  const refused = checkRequest(req.headers, endpoint, state.config);
  const parsed = endpoint === 'inquiry' ? {} : parseJsonObject(body);
  let reply: Reply;
  if (refused) reply = refused;
  else if (!parsed) reply = json(400, { message: 'body must be a JSON object' });
  else reply = await answerEko(state, { endpoint, tid, body: parsed, query } satisfies EkoCall);
  perform(strikeAfter(fault) ?? { reply }, req, res);
}

function countArrival(tx: SimTransaction, endpoint: SimEndpoint): void {
  tx.calls[endpoint] += 1;
  if (endpoint !== 'refund') return;
  // The money-safety rule: once Eko took a refund for this tid, no client should call again.
  if (tx.refundAccepted || tx.txStatus === TxStatus.Refunded) tx.callsAfterApplied += 1;
  if (tx.applyingUntilMs !== undefined) tx.callsWhileApplying += 1;
}

type EkoRoute = { endpoint: SimEndpoint; tid: string } | { reply: Reply };

const ROUTES: ReadonlyArray<[SimEndpoint, string, RegExp]> = [
  ['otp', 'POST', /^\/customer\/payment\/refund\/([^/]+)\/otp$/],
  ['refund', 'POST', /^\/customer\/payment\/refund\/([^/]+)$/],
  ['inquiry', 'GET', /^\/tools\/reference\/transaction\/([^/]+)$/],
];

/** Eko's paths under either base (UAT `/ekoapi/v3`, production `/ekoicici/v3`): 404 or 405 otherwise. */
function matchEkoRoute(method: string, pathname: string): EkoRoute {
  const path = pathname.replace(/^\/(ekoapi|ekoicici)\/v3/, '');
  for (const [endpoint, routeMethod, pattern] of ROUTES) {
    const match = pattern.exec(path);
    if (!match) continue;
    if (method !== routeMethod) return { reply: json(405, { message: 'Method Not Allowed' }) };
    return { endpoint, tid: decodeURIComponent(match[1]) };
  }
  return { reply: json(404, { message: 'Not Found' }) };
}

/** The body as a JSON object ({} when empty); undefined when it is anything else. */
export function parseJsonObject(body: string): Record<string, unknown> | undefined {
  if (body.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(body);
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // not JSON: undefined below
  }
  return undefined;
}
