import type { IncomingHttpHeaders } from 'node:http';
import { computeSecretKey } from '../src/eko/signing';
import type { SimulatorConfig } from './config';
import { type Reply, json } from './envelope';
import type { SimEndpoint } from './model';

/**
 * Eko's checks before it reads a request: a JSON content type on POSTs (415), then the
 * developer_key, a timestamp within the skew window and the exact secret-key (403 for each).
 * Undefined when the request passes.
 */
export function checkRequest(
  headers: IncomingHttpHeaders,
  endpoint: SimEndpoint,
  config: SimulatorConfig,
): Reply | undefined {
  if (endpoint !== 'inquiry' && !String(headers['content-type'] ?? '').startsWith('application/json')) {
    return json(415, { message: 'Unsupported Media Type' });
  }
  const forbidden = json(403, { message: 'Forbidden' });
  if (headers['developer_key'] !== config.developerKey) return forbidden;
  const timestamp = String(headers['secret-key-timestamp'] ?? '');
  if (!/^\d+$/.test(timestamp) || Math.abs(Date.now() - Number(timestamp)) > config.skewMs) return forbidden;
  if (headers['secret-key'] !== computeSecretKey(config.accessKey, timestamp)) return forbidden;
  return undefined;
}
