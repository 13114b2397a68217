// The OpenAPI document (/openapi.json) as a client generator reads it, and the reference page
// rendered from it, from the API in front of a stand-in RefundClient (no Temporal): operation ids,
// examples that the schemas accept, every status and header the API sends, no unused component,
// the durations' format. test/integration/python-client.test.ts generates a client from it.
import type { z } from 'zod';
import type { RefundClient } from '../../src/client';
import { DURATION_FIELDS, DURATIONS, toMs } from '../../src/contract';
import type { ZodApp } from '../../src/api/openapi';
import type { OpenApiDocument, OpenApiOperation } from '../../src/api/openapi';
import { PROBLEM_TYPES, problemExample, problemSchema, type ProblemType } from '../../src/api/problems';
import { ekoCallbackBodySchema } from '../../src/api/routes/eko-callback';
import {
  cancelAnswerSchema,
  cancelBodySchema,
  DURATION_FORMAT,
  otpAnswerSchema,
  otpBodySchema,
  refundPageSchema,
  refundStatusSchema,
  resendAnswerSchema,
  sessionSchema,
  startBodySchema,
  startedSchema,
  summarySchema,
} from '../../src/api/schemas';
import { buildApi } from '../../src/api/server';
import { createLogger } from '../../src/logging';

const SUPPORT = { name: 'desk', role: 'support', key: 'support-key-0123456789abcdef' } as const;
const VIEWER = { name: 'dash', role: 'viewer', key: 'viewer-key-0123456789abcdef' } as const;
const TOKEN = 'callback-token-0123456789abcdef0123456789';

/** What Temporal answers when it is down: a gRPC UNAVAILABLE. */
const unavailable = () =>
  Object.assign(new Error('14 UNAVAILABLE: no connection'), { code: 14, details: '', metadata: {} });

/** Enough of a RefundClient for the routes the header checks call. */
const refunds = {
  client: {},
  start: async () => ({ workflowId: 'refund-1000000001', runId: 'run', created: true }),
  getState: async () => {
    throw unavailable();
  },
  export: () =>
    (async function* () {
      yield { tid: '1000000001', phase: 'REFUNDED' };
    })(),
  submitOtp: async () => ({ phase: 'AWAITING_OTP', message: 'Wrong OTP', otpAttemptsLeft: 2 }),
} as unknown as RefundClient;

let api: ZodApp;
let doc: OpenApiDocument;
const operations: [string, string, OpenApiOperation][] = [];

beforeAll(async () => {
  api = await buildApi({
    refunds,
    keys: [SUPPORT, VIEWER],
    logger: createLogger({ level: 'silent' }),
    otpLimitPerMinute: 1,
    ekoCallback: { token: TOKEN, allow: [], requestOtp: false },
  });
  const answer = await api.inject({ method: 'GET', url: '/openapi.json' });
  expect(answer.statusCode).toBe(200);
  doc = answer.json();
  for (const [path, methods] of Object.entries(doc.paths))
    for (const [method, operation] of Object.entries(methods)) operations.push([method, path, operation]);
});
afterAll(() => api?.close());

const operation = (id: string): OpenApiOperation => {
  const found = operations.find(([, , op]) => op.operationId === id);
  if (!found) throw new Error(`no operation ${id}`);
  return found[2];
};
/** The problem kinds a response's examples stand for. */
const kindsOf = (op: OpenApiOperation, status: number) =>
  Object.keys(op.responses?.[status]?.content?.['application/problem+json']?.examples ?? {});

test('OpenAPI 3.1, every operation with a unique camelCase operationId', () => {
  expect(doc.openapi).toBe('3.1.0');
  const ids = operations.map(([, , op]) => op.operationId);
  expect(ids.every((id) => /^[a-z][a-zA-Z0-9]*$/.test(id ?? ''))).toBe(true);
  expect(new Set(ids).size).toBe(ids.length);
  expect(Object.fromEntries(operations.map(([method, path, op]) => [op.operationId, `${method} ${path}`]))).toEqual({
    startRefund: 'post /v1/refunds',
    listRefunds: 'get /v1/refunds',
    exportRefunds: 'get /v1/refunds/export.csv',
    getRefund: 'get /v1/refunds/{tid}',
    submitOtp: 'post /v1/refunds/{tid}/otp',
    resendOtp: 'post /v1/refunds/{tid}/resend-otp',
    cancelRefund: 'post /v1/refunds/{tid}/cancel',
    streamRefundEvents: 'get /v1/refunds/{tid}/events',
    startRefundBatch: 'post /v1/refund-batches',
    getSummary: 'get /v1/summary',
    listNotifications: 'get /v1/refunds/{tid}/notifications',
    redeliverNotification: 'post /v1/notifications/{id}/redeliver',
    ekoCallback: 'post /v1/eko/callback/{token}',
    signIn: 'post /v1/session',
    getSession: 'get /v1/session',
    signOut: 'delete /v1/session',
    getLiveness: 'get /healthz',
    getReadiness: 'get /readyz',
  });
});

test('every component is used, and every reference resolves', () => {
  const schemas = doc.components?.schemas ?? {};
  const refs = (value: unknown): string[] =>
    JSON.stringify(value)
      .match(/"#\/components\/schemas\/[^"]+"/g)
      ?.map((ref) => ref.slice('"#/components/schemas/'.length, -1)) ?? [];
  const used = new Set<string>();
  const pending = refs(doc.paths);
  while (pending.length > 0) {
    const name = pending.pop()!;
    if (used.has(name)) continue;
    used.add(name);
    expect(schemas).toHaveProperty([name]);
    pending.push(...refs(schemas[name]));
  }
  expect(Object.keys(schemas).filter((name) => !used.has(name))).toEqual([]);
  expect([...used].sort()).toEqual(Object.keys(schemas).sort());
});

test('each route that talks to Temporal documents its 503, with Retry-After', () => {
  const withoutTemporal = ['signIn', 'getSession', 'signOut', 'getLiveness', 'getReadiness'];
  for (const [, , op] of operations) {
    if (withoutTemporal.includes(op.operationId!)) continue;
    expect([op.operationId, kindsOf(op, 503)]).toEqual([op.operationId, ['temporal-unavailable']]);
  }
  // /readyz answers its own 503 (not ready), a Health document without Retry-After.
  expect(operation('getReadiness').responses?.['503']).toMatchObject({
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Health' } } },
  });
  expect(operation('getReadiness').responses?.['503'].headers).toBeUndefined();
});

test('Retry-After on every 429 and problem 503, WWW-Authenticate on every 401', () => {
  for (const [, , op] of operations) {
    for (const [status, response] of Object.entries(op.responses ?? {})) {
      const problem = response.content?.['application/problem+json'] !== undefined;
      if (status === '429' || (status === '503' && problem))
        expect([op.operationId, status, response.headers?.['Retry-After']?.schema]).toEqual([
          op.operationId,
          status,
          { type: 'integer', minimum: 0 },
        ]);
      if (status === '401')
        expect([op.operationId, response.headers?.['WWW-Authenticate']?.example]).toEqual([
          op.operationId,
          'Bearer realm="eko-refund"',
        ]);
    }
  }
  expect(Object.keys(operation('startRefund').responses?.['201'].headers ?? {})).toEqual(['Location']);
  expect(Object.keys(operation('exportRefunds').responses?.['200'].headers ?? {})).toEqual(['Content-Disposition']);
  expect(Object.keys(operation('submitOtp').responses?.['429'].headers ?? {})).toEqual([
    'X-RateLimit-Limit',
    'X-RateLimit-Remaining',
    'X-RateLimit-Reset',
    'Retry-After',
  ]);
  expect(kindsOf(operation('submitOtp'), 429)).toEqual(['rate-limited']);
  expect(kindsOf(operation('resendOtp'), 429)).toEqual(['resend-too-soon']);
});

test('every operation that takes a body documents 400, 413 and 415; no GET does', () => {
  for (const [method, , op] of operations) {
    const statuses = Object.keys(op.responses ?? {});
    if (['post', 'delete'].includes(method))
      expect([op.operationId, statuses]).toEqual([op.operationId, expect.arrayContaining(['400', '413', '415'])]);
    else
      expect([op.operationId, statuses.filter((s) => ['400', '413', '415'].includes(s))]).toEqual([op.operationId, []]);
  }
  expect(kindsOf(operation('startRefund'), 415)).toEqual(['unsupported-media-type']);
  expect(kindsOf(operation('ekoCallback'), 400)).toEqual(['malformed-request']);
});

test('the headers and statuses documented are the ones the API sends', async () => {
  const call = (method: 'GET' | 'POST', url: string, key: string | null, payload?: object | string, type?: string) =>
    api.inject({
      method,
      url,
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(type ? { 'content-type': type } : {}) },
      ...(payload === undefined ? {} : { payload }),
    });
  const documented = (id: string, status: number) => {
    const response = operation(id).responses?.[String(status)];
    expect([id, status, response]).toEqual([id, status, expect.anything()]);
    return Object.keys(response?.headers ?? {}).map((name) => name.toLowerCase());
  };
  const sent = async (id: string, answer: Awaited<ReturnType<typeof call>>) => {
    for (const header of documented(id, answer.statusCode))
      expect([id, header, answer.headers[header]]).toEqual([id, header, expect.anything()]);
    return answer;
  };

  expect(
    (await sent('startRefund', await call('POST', '/v1/refunds', SUPPORT.key, { tid: '1000000001' }))).statusCode,
  ).toBe(201);
  expect((await sent('getRefund', await call('GET', '/v1/refunds/1000000001', VIEWER.key))).statusCode).toBe(503);
  expect((await sent('getRefund', await call('GET', '/v1/refunds/1000000001', null))).statusCode).toBe(401);
  expect((await sent('exportRefunds', await call('GET', '/v1/refunds/export.csv', VIEWER.key))).statusCode).toBe(200);
  expect(
    (await sent('startRefund', await call('POST', '/v1/refunds', SUPPORT.key, '<tid/>', 'application/xml'))).statusCode,
  ).toBe(415);
  expect(
    (await sent('startRefund', await call('POST', '/v1/refunds', SUPPORT.key, '{"tid":', 'application/json')))
      .statusCode,
  ).toBe(400);
  expect(
    (await sent('startRefund', await call('POST', '/v1/refunds', VIEWER.key, { tid: '1000000001' }))).statusCode,
  ).toBe(403);
  const big = JSON.stringify({ tid: '1000000001', reason: 'x'.repeat(70_000) });
  expect(
    (await sent('startRefund', await call('POST', '/v1/refunds', SUPPORT.key, big, 'application/json'))).statusCode,
  ).toBe(413);
  expect(
    (await sent('submitOtp', await call('POST', '/v1/refunds/1000000001/otp', SUPPORT.key, { otp: '1234' })))
      .statusCode,
  ).toBe(200);
  const limited = await sent(
    'submitOtp',
    await call('POST', '/v1/refunds/1000000001/otp', SUPPORT.key, { otp: '1234' }),
  );
  expect(limited.statusCode).toBe(429);
  expect(limited.json()).toMatchObject({ type: '/docs#problem-rate-limited', retryAfterSeconds: expect.any(Number) });
  expect(
    (await sent('ekoCallback', await call('POST', `/v1/eko/callback/${TOKEN}`, null, { nope: 1 }))).statusCode,
  ).toBe(400);
});

test('the start body documents each duration as duration-text, with a default and an example it accepts', () => {
  const body = operation('startRefund').requestBody?.content?.['application/json']?.schema;
  for (const field of DURATION_FIELDS) {
    const schema = body?.properties?.[field];
    expect([field, schema]).toEqual([
      field,
      expect.objectContaining({
        format: DURATION_FORMAT,
        default: DURATIONS[field].default,
        examples: [expect.any(String)],
        description: expect.stringContaining('"24 hours"'),
      }),
    ]);
    const [sample] = schema!.examples as string[];
    expect(Number.isNaN(toMs(sample))).toBe(false);
    expect(startBodySchema.safeParse({ tid: '1000000001', [field]: sample }).success).toBe(true);
  }
  // What the description promises is what the input accepts.
  for (const text of ['30s', '90 seconds', '15 minutes', '24 hours', '7d', '2 Hours', 3_600_000])
    expect([text, startBodySchema.safeParse({ tid: '1000000001', otpTimeout: text }).success]).toEqual([text, true]);
});

test('the main operations carry examples, and the schemas accept every one', () => {
  const components: Record<string, z.ZodType> = {
    Problem: problemSchema,
    StartedRefund: startedSchema,
    RefundPage: refundPageSchema,
    RefundState: refundStatusSchema,
    OtpAnswer: otpAnswerSchema,
    ResendAnswer: resendAnswerSchema,
    CancelAnswer: cancelAnswerSchema,
    Summary: summarySchema,
    Session: sessionSchema,
  };
  const bodies: Record<string, z.ZodType> = {
    startRefund: startBodySchema,
    submitOtp: otpBodySchema,
    cancelRefund: cancelBodySchema,
    ekoCallback: ekoCallbackBodySchema,
  };
  let checked = 0;
  for (const [, , op] of operations) {
    for (const [name, example] of Object.entries(op.requestBody?.content?.['application/json']?.examples ?? {})) {
      const schema = bodies[op.operationId!];
      if (!schema) continue;
      expect([op.operationId, name, schema.safeParse(example.value).error?.issues]).toEqual([
        op.operationId,
        name,
        undefined,
      ]);
      checked += 1;
    }
    for (const [status, response] of Object.entries(op.responses ?? {}))
      for (const media of Object.values(response.content ?? {})) {
        const schema = components[media.schema?.$ref?.split('/').pop() ?? ''];
        for (const [name, example] of Object.entries(media.examples ?? {})) {
          if (!schema) continue;
          const issues = schema.safeParse(example.value).error?.issues;
          expect([op.operationId, status, name, issues]).toEqual([op.operationId, status, name, undefined]);
          checked += 1;
        }
      }
  }
  expect(checked).toBeGreaterThan(100);
  const examples = (id: string, status?: number) =>
    Object.keys(
      (status === undefined
        ? operation(id).requestBody?.content?.['application/json']?.examples
        : Object.values(operation(id).responses?.[String(status)]?.content ?? {})[0]?.examples) ?? {},
    );
  expect(examples('startRefund')).toEqual(['start']);
  expect(examples('startRefund', 201)).toEqual(['started']);
  expect(examples('getRefund', 200)).toEqual(['awaitingOtp', 'refunded']);
  expect(examples('listRefunds', 200)).toEqual(['page']);
  expect(examples('submitOtp')).toEqual(['otp']);
  expect(examples('submitOtp', 200)).toEqual(['refunded', 'wrongOtp']);
  expect(examples('submitOtp', 409)).toEqual(['not-awaiting-otp', 'refund-ended', 'submitted-to-eko', 'refused']);
  expect(examples('getRefund', 404)).toEqual(['not-found']);
});

test('GET /docs: Swagger UI on this document, each problem type with the anchor its `type` links to', async () => {
  const answer = await api.inject({ method: 'GET', url: '/docs' });
  expect(answer.statusCode).toBe(200);
  expect(answer.headers['content-type']).toMatch(/^text\/html/);
  expect(answer.body).toContain('<title>Eko refunds API: reference</title>');
  expect(answer.body).toContain('src="/docs/static/swagger-ui-bundle.js"');
  // The page reads the same document as /openapi.json.
  expect((await api.inject({ method: 'GET', url: '/docs/json' })).json()).toEqual(doc);
  // Its schemas: one per type, no input variant beside it.
  expect(Object.keys(doc.components?.schemas ?? {})).toContain('RefundState');
  expect(Object.keys(doc.components?.schemas ?? {})).not.toContain('RefundStateInput');
  for (const type of Object.keys(PROBLEM_TYPES)) {
    expect(doc.info.description).toContain(`<tr id="problem-${type}">`);
    expect(problemExample(type as ProblemType, '/v1/refunds').type).toBe(`/docs#problem-${type}`);
  }
});
