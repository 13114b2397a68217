// The refund stack of refund-stack.ts with the HTTP API in front of it, listening on a random
// port, with one key per role and the API's log lines captured for assertions.
import type { AddressInfo } from 'node:net';
import type { RefundClient } from '../../src/client';
import { buildApi, type ApiOptions } from '../../src/api/server';
import { DEFAULT_OTP_POLICY, type OtpPolicy } from '../../src/api/otp-policy';
import { DURATIONS } from '../../src/contract';
import type { ApiKey, Role } from '../../src/api/keys';
import type { ZodApp } from '../../src/api/openapi';
import { createLogger, Redactor } from '../../src/logging';
import { type RefundStack, startRefundStack } from './refund-stack';

export const TEST_KEYS: Record<Role, ApiKey> = {
  viewer: { name: 'test-viewer', role: 'viewer', key: 'viewer-key-for-tests-0123456789' },
  service: { name: 'test-service', role: 'service', key: 'service-key-for-tests-0123456789' },
  support: { name: 'test-support', role: 'support', key: 'support-key-for-tests-0123456789' },
};
/** A second support key, to show that limits are per key. */
export const OTHER_SUPPORT_KEY: ApiKey = {
  name: 'test-support-2',
  role: 'support',
  key: 'second-support-key-for-tests-0123',
};

/**
 * The default OTP policy but for the resend interval (the input's floor, as FAST's), so that tests
 * may resend at once; test/integration/api-limits.test.ts tries the production default.
 */
export const TEST_OTP_POLICY: OtpPolicy = { ...DEFAULT_OTP_POLICY, resendIntervalMs: DURATIONS.resendInterval.min };

export type ApiServerOptions = Partial<Omit<ApiOptions, 'refunds' | 'logger' | 'keys'>>;

export interface ApiServer {
  api: ZodApp;
  url: string;
  /** Every line the API logged, as written. */
  logs: string[];
  /** A JSON call with a role's key (or none); answers status, headers and the parsed body. */
  call(role: Role | null, method: string, path: string, body?: unknown): Promise<ApiAnswer>;
  close(): Promise<void>;
}

export type ApiStack = RefundStack & ApiServer;

export interface ApiAnswer {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  text: string;
}

/** The API in front of a RefundClient, on a random port of 127.0.0.1. */
export async function startApiServer(refunds: RefundClient, options: ApiServerOptions = {}): Promise<ApiServer> {
  const logs: string[] = [];
  // Its own redactor: the in-process worker teaches the shared one every OTP, which would hide a leak.
  const logger = createLogger({
    level: 'debug',
    destination: { write: (line: string) => logs.push(line) },
    redact: new Redactor(),
  });
  const api = await buildApi({
    refunds,
    keys: [...Object.values(TEST_KEYS), OTHER_SUPPORT_KEY],
    logger,
    otpPolicy: TEST_OTP_POLICY,
    ...options,
  });
  await api.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}`;
  return {
    api,
    url,
    logs,
    call: (role, method, path, body) => callApi(url, role && TEST_KEYS[role].key, method, path, body),
    close: () => api.close(),
  };
}

export async function startApiStack(options: ApiServerOptions = {}): Promise<ApiStack> {
  const stack = await startRefundStack();
  let server: ApiServer;
  try {
    server = await startApiServer(stack.refunds, options);
  } catch (err) {
    await stack.stop();
    throw err;
  }
  return {
    ...stack,
    ...server,
    async stop() {
      await server.close();
      await stack.stop();
    },
  };
}

export async function callApi(
  url: string,
  key: string | null,
  method: string,
  path: string,
  body?: unknown,
): Promise<ApiAnswer> {
  const headers: Record<string, string> = {};
  if (key) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${url}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, body: parsed, text };
}

/** The audit entries the API logged, parsed. */
interface AuditLine {
  stage?: string;
  action: string;
  keyName: string | null;
  role: string | null;
  tid: string | null;
  status: number;
  result: string;
  requestId?: string;
  address?: string;
  userAgent?: string | null;
}

/** The audit lines with a result (stage `done`), without the request's id, address and agent. */
export function auditEntries(logs: string[]): AuditLine[] {
  return auditLines(logs)
    .filter((audit) => audit.stage === 'done')
    .map(({ stage: _stage, requestId: _id, address: _address, userAgent: _agent, ...rest }) => rest);
}

/** Every audit line as logged, `requested` ones (before the action) too. */
export function auditLines(logs: string[]): AuditLine[] {
  return logs
    .map((line) => JSON.parse(line))
    .filter((entry) => entry.audit)
    .map((entry) => entry.audit);
}

export interface ServerSentEvent {
  event: string;
  data: string;
}

/** Opens an event stream with a key and yields its events as they arrive (real HTTP, no polyfill). */
export async function* readEvents(url: string, key: string, signal?: AbortSignal): AsyncGenerator<ServerSentEvent> {
  const response = await fetch(url, {
    headers: { authorization: `Bearer ${key}`, accept: 'text/event-stream' },
    signal,
  });
  if (response.status !== 200 || !response.body)
    throw new Error(`event stream answered ${response.status}: ${await response.text()}`);
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const fields = block.split('\n').filter((line) => line && !line.startsWith(':'));
      const event = fields.find((line) => line.startsWith('event: '))?.slice(7);
      const data = fields.find((line) => line.startsWith('data: '))?.slice(6);
      if (event && data !== undefined) yield { event, data };
    }
  }
}
