import { randomInt, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { z } from 'zod';
import { describeTxStatus, TxStatus } from '../eko/answers';
import { computeSecretKey } from '../eko/signing';
import { UAT } from '../eko/uat';
import type { Fault, SimEndpoint, SimTransaction, SmsMessage } from './state';

/**
 * A stateful stand-in for Eko's refund endpoints, shared by the tests, the demo and the benchmark.
 * It checks signatures exactly, applies each refund at most once, and injects faults on request.
 */

export interface SimulatorConfig {
  developerKey: string;
  accessKey: string;
  initiatorId: string;
  userCode: string;
  /** How far a signature's timestamp may be from the simulator's clock. */
  skewMs: number;
  otpTtlMs: number;
  /** Added to every Eko answer (not to the admin surface). */
  latencyMs: number;
  /** Called with each SMS as it is "sent", for printing in the dev stack. */
  onSms?: (sms: SmsMessage) => void;
}

export const DEFAULT_SIMULATOR_CONFIG: SimulatorConfig = {
  developerKey: UAT.developerKey,
  accessKey: UAT.accessKey,
  initiatorId: UAT.initiatorId,
  userCode: UAT.userCode,
  skewMs: 5 * 60_000,
  otpTtlMs: 10 * 60_000,
  latencyMs: 0,
};

export const seedSchema = z.object({
  tid: z.string().regex(/^\d+$/, 'tid must be digits'),
  txStatus: z.number().int().default(TxStatus.RefundPending),
  amount: z.string().default('1000.00'),
  fee: z.string().default('10.00'),
  customerMobile: z
    .string()
    .regex(/^\d{10}$/)
    .default(UAT.customerMobile),
  /** For a seeded status 2 or 5: inquiries before it settles, and to what. */
  pendingInquiries: z.number().int().min(0).optional(),
  settlesTo: z.number().int().default(TxStatus.RefundPending),
  refundMode: z.enum(['done', 'pending']).default('done'),
  refundPendingInquiries: z.number().int().min(0).default(1),
  refundSettlesTo: z.number().int().default(TxStatus.Refunded),
  rejectRefund: z.object({ status: z.number().int(), message: z.string() }).optional(),
  /** Eko texts an OTP when it moves a transaction to Refund Pending. */
  sendOtp: z.boolean().default(false),
  /** Every OTP for this tid is this code (for example one with a leading zero); random otherwise. */
  otpCode: z
    .string()
    .regex(/^\d{4,8}$/)
    .optional(),
});
export type SeedInput = z.input<typeof seedSchema>;

export const faultSchema = z.object({
  type: z.enum([
    'latency',
    'http500',
    'non_json',
    'reset',
    'reset_after_apply',
    'timeout_after_apply',
    'hang',
    'http403',
    'busy',
    'envelope_less',
    'huge_body',
    'wrong_types',
  ]),
  endpoint: z.enum(['otp', 'refund', 'inquiry']).optional(),
  tid: z.string().optional(),
  times: z.number().int().min(1).default(1),
  latencyMs: z.number().int().min(0).optional(),
});
export type FaultInput = z.input<typeof faultSchema>;

const configPatchSchema = z
  .object({
    developerKey: z.string(),
    accessKey: z.string(),
    initiatorId: z.string(),
    userCode: z.string(),
    skewMs: z.number().int().min(0),
    otpTtlMs: z.number().int().min(0),
    latencyMs: z.number().int().min(0),
  })
  .partial();

export type TransactionView = Omit<SimTransaction, 'otp' | 'pending'> & {
  txStatusDesc: string;
  otpActive: boolean;
  pendingInquiriesLeft?: number;
};

interface Reply {
  status: number;
  body: string;
  contentType?: string;
}

const json = (status: number, value: unknown): Reply => ({ status, body: JSON.stringify(value) });
const ekoFailure = (status: number, message: string): Reply =>
  json(200, { status, response_status_id: 1, response_type_id: -1, message, data: {} });

class HttpError extends Error {
  constructor(
    readonly reply: Reply,
    message: string,
  ) {
    super(message);
  }
}

export class EkoSimulator {
  readonly config: SimulatorConfig;
  private readonly transactions = new Map<string, SimTransaction>();
  private readonly outbox: SmsMessage[] = [];
  private faults: Fault[] = [];
  private readonly server: http.Server;
  private readonly sockets = new Set<Socket>();
  private refundSeq = 2_147_000_000;

  constructor(config: Partial<SimulatorConfig> = {}) {
    this.config = { ...DEFAULT_SIMULATOR_CONFIG, ...config };
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`simulator error: ${err instanceof Error ? err.message : String(err)}`);
      });
    });
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  /** Listens on `port` (0: a random free port) and returns the Eko base URL to configure. */
  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve());
    });
    return this.baseUrl;
  }

  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** The Eko base URL, including the API path as in UAT. */
  get baseUrl(): string {
    return `${this.url}/ekoapi/v3`;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ---- admin, in process (the HTTP admin surface calls the same methods) ----

  seed(input: SeedInput): TransactionView {
    const seed = seedSchema.parse(input);
    const tx: SimTransaction = {
      tid: seed.tid,
      txStatus: seed.txStatus,
      amount: seed.amount,
      fee: seed.fee,
      customerMobile: seed.customerMobile,
      pending:
        seed.pendingInquiries === undefined
          ? undefined
          : { inquiriesLeft: seed.pendingInquiries, settlesTo: seed.settlesTo },
      refundMode: seed.refundMode,
      refundPendingInquiries: seed.refundPendingInquiries,
      refundSettlesTo: seed.refundSettlesTo,
      rejectRefund: seed.rejectRefund,
      otpCode: seed.otpCode,
      otpsIssued: 0,
      issuedOtpRefIds: [],
      refundCount: 0,
      calls: { otp: 0, refund: 0, inquiry: 0 },
    };
    this.transactions.set(tx.tid, tx);
    if (seed.sendOtp) this.issueOtp(tx);
    return this.view(tx);
  }

  transaction(tid: string): TransactionView | undefined {
    const tx = this.transactions.get(tid);
    return tx && this.view(tx);
  }

  sms(tid?: string): SmsMessage[] {
    return this.outbox.filter((sms) => tid === undefined || sms.tid === tid);
  }

  /** The OTP of the last SMS sent for a tid, as a customer would read it off the phone. */
  lastOtp(tid: string): string | undefined {
    const text = this.sms(tid).at(-1)?.text;
    return text ? /^(\d+) is the OTP/.exec(text)?.[1] : undefined;
  }

  expireOtp(tid: string): void {
    const tx = this.transactions.get(tid);
    if (tx?.otp) tx.otp.expiresAtMs = 0;
  }

  injectFault(input: FaultInput): Fault {
    const fault = faultSchema.parse(input);
    this.faults.push(fault);
    return fault;
  }

  clearFaults(): void {
    this.faults = [];
  }

  configure(patch: Partial<SimulatorConfig>): void {
    Object.assign(this.config, configPatchSchema.parse(patch));
  }

  reset(): void {
    this.transactions.clear();
    this.outbox.length = 0;
    this.faults = [];
  }

  private view(tx: SimTransaction): TransactionView {
    const { otp, pending, ...rest } = tx;
    return {
      ...rest,
      calls: { ...tx.calls },
      issuedOtpRefIds: [...tx.issuedOtpRefIds],
      txStatusDesc: describeTxStatus(tx.txStatus),
      otpActive: otp !== undefined && otp.expiresAtMs > Date.now(),
      pendingInquiriesLeft: pending?.inquiriesLeft,
    };
  }

  // ---- HTTP ----

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator');
    const body = await readBody(req);
    if (url.pathname.startsWith('/__sim/')) {
      return send(res, this.admin(req.method ?? 'GET', url, body));
    }
    const route = matchEkoRoute(req.method ?? 'GET', url.pathname);
    if ('reply' in route) return send(res, route.reply);

    // Counted on arrival, so a test can see a call that is still in flight.
    const known = this.transactions.get(route.tid);
    if (known) known.calls[route.endpoint] += 1;
    const fault = this.takeFault(route.endpoint, route.tid);
    const latency = this.config.latencyMs + (fault?.type === 'latency' ? (fault.latencyMs ?? 1000) : 0);
    if (latency > 0) await delay(latency);

    switch (fault?.type) {
      case 'reset':
        req.socket.destroy();
        return;
      case 'hang':
        return; // the socket stays open until the client gives up or the simulator closes
      case 'http500':
        return send(res, { status: 500, body: 'Internal Server Error', contentType: 'text/plain' });
      case 'non_json':
        return send(res, {
          status: 200,
          body: '<html><body>Service Unavailable</body></html>',
          contentType: 'text/html',
        });
      case 'envelope_less':
        return send(res, json(200, { message: 'No key for Response' }));
      case 'http403':
        return send(res, json(403, { message: 'Forbidden' }));
      case 'wrong_types':
        return send(res, json(200, { status: 'ok', response_status_id: 'x', message: 5, data: [] }));
      case 'huge_body':
        return send(res, json(200, { status: 0, message: 'x'.repeat(3 * 1024 * 1024) }));
      case 'busy':
        return send(
          res,
          json(200, { status: -2, response_status_id: -2, message: 'Another transaction is in progress' }),
        );
    }

    let reply: Reply;
    try {
      this.checkRequest(req, route.endpoint);
      reply = this.answer(route.endpoint, route.tid, parseJsonBody(body), url.searchParams);
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      reply = err.reply;
    }
    // Faults that strike after Eko applied the effect: the caller cannot know it happened.
    if (fault?.type === 'reset_after_apply') return void req.socket.destroy();
    if (fault?.type === 'timeout_after_apply') return;
    send(res, reply);
  }

  private takeFault(endpoint: SimEndpoint, tid: string): Fault | undefined {
    const index = this.faults.findIndex(
      (f) => (f.endpoint === undefined || f.endpoint === endpoint) && (f.tid === undefined || f.tid === tid),
    );
    if (index < 0) return undefined;
    const fault = this.faults[index];
    fault.times -= 1;
    if (fault.times <= 0) this.faults.splice(index, 1);
    return fault;
  }

  private checkRequest(req: http.IncomingMessage, endpoint: SimEndpoint): void {
    if (endpoint !== 'inquiry' && !String(req.headers['content-type'] ?? '').startsWith('application/json')) {
      throw new HttpError(json(415, { message: 'Unsupported Media Type' }), 'content type');
    }
    const developerKey = req.headers['developer_key'];
    const secretKey = req.headers['secret-key'];
    const timestamp = String(req.headers['secret-key-timestamp'] ?? '');
    const forbidden = (why: string) => new HttpError(json(403, { message: 'Forbidden' }), why);
    if (developerKey !== this.config.developerKey) throw forbidden('developer_key');
    if (!/^\d+$/.test(timestamp) || Math.abs(Date.now() - Number(timestamp)) > this.config.skewMs) {
      throw forbidden('stale timestamp');
    }
    if (secretKey !== computeSecretKey(this.config.accessKey, timestamp)) throw forbidden('secret-key');
  }

  private answer(endpoint: SimEndpoint, tid: string, body: Record<string, unknown>, query: URLSearchParams): Reply {
    const initiatorId = endpoint === 'inquiry' ? query.get('initiator_id') : body.initiator_id;
    if (String(initiatorId ?? '') !== this.config.initiatorId) return ekoFailure(319, 'Invalid initiator');
    if (endpoint !== 'otp') {
      const userCode = endpoint === 'inquiry' ? query.get('user_code') : body.user_code;
      if (String(userCode ?? '') !== this.config.userCode) return ekoFailure(463, 'User not found');
    }
    const tx = this.transactions.get(tid);
    if (!tx) return ekoFailure(168, 'TID does not exist');
    switch (endpoint) {
      case 'otp':
        return this.answerOtp(tx);
      case 'refund':
        return this.answerRefund(tx, body);
      case 'inquiry':
        return this.answerInquiry(tx);
    }
  }

  private answerOtp(tx: SimTransaction): Reply {
    if (tx.txStatus !== TxStatus.RefundPending) return ekoFailure(1, 'Transaction is not in a refundable state.');
    const otp = this.issueOtp(tx);
    // Eko's own sample reports this success with a non-zero status: the parser must accept it.
    return json(200, {
      status: 2133,
      response_status_id: 1,
      response_type_id: 2133,
      message: 'OTP sent to customer',
      data: { otp_ref_id: otp.refId },
    });
  }

  private answerRefund(tx: SimTransaction, body: Record<string, unknown>): Reply {
    if (tx.txStatus === TxStatus.Refunded) return ekoFailure(1, 'Transaction is already in refunded state.');
    if (tx.txStatus !== TxStatus.RefundPending) return ekoFailure(1, 'Transaction is not in a refundable state.');
    if (tx.rejectRefund) return ekoFailure(tx.rejectRefund.status, tx.rejectRefund.message);
    const otp = String(body.otp ?? '');
    const otpRefId = String(body.otp_ref_id ?? '');
    if (!tx.otp || otp !== tx.otp.code || (otpRefId !== '' && otpRefId !== tx.otp.refId)) {
      return ekoFailure(302, 'Wrong OTP');
    }
    if (tx.otp.expiresAtMs <= Date.now()) return ekoFailure(303, 'OTP expired');

    // The refund effect: the OTP is single-use and the counter proves it happens once per tid.
    tx.otp = undefined;
    tx.refundCount += 1;
    tx.refundTid = String((this.refundSeq += 1));
    const pending = tx.refundMode === 'pending';
    tx.txStatus = pending ? TxStatus.Initiated : TxStatus.Refunded;
    if (pending) tx.pending = { inquiriesLeft: tx.refundPendingInquiries, settlesTo: tx.refundSettlesTo };
    return json(200, {
      status: 0,
      response_status_id: 0,
      response_type_id: 74,
      message: pending ? 'Refund initiated' : 'Refund done',
      data: {
        refund_tid: tx.refundTid,
        tid: tx.tid,
        amount: tx.amount,
        refunded_amount: addMoney(tx.amount, tx.fee),
        fee: tx.fee,
        tds: '0.00',
        commission_reverse: '0.00',
        balance: '2.22263731286E9',
        currency: 'INR',
        timestamp: new Date().toISOString(),
        ...(pending ? { tx_status: TxStatus.Initiated } : {}),
      },
    });
  }

  private answerInquiry(tx: SimTransaction): Reply {
    if (tx.pending) {
      if (tx.pending.inquiriesLeft <= 0) {
        tx.txStatus = tx.pending.settlesTo;
        tx.pending = undefined;
      } else {
        tx.pending.inquiriesLeft -= 1;
      }
    }
    return json(200, {
      status: 0,
      response_status_id: -1,
      response_type_id: 1472,
      message: 'Transaction status',
      // Eko's inquiry sample sends tx_status as a string inside data.
      data: {
        tx_status: String(tx.txStatus),
        txstatus_desc: describeTxStatus(tx.txStatus),
        tid: tx.tid,
        amount: tx.amount,
        fee: tx.fee,
      },
    });
  }

  private issueOtp(tx: SimTransaction): { code: string; refId: string } {
    const otp = {
      code: tx.otpCode ?? String(randomInt(0, 1_000_000)).padStart(6, '0'),
      refId: randomUUID(),
      expiresAtMs: Date.now() + this.config.otpTtlMs,
    };
    tx.otp = otp;
    tx.otpsIssued += 1;
    tx.issuedOtpRefIds.push(otp.refId);
    const sms: SmsMessage = {
      to: tx.customerMobile,
      tid: tx.tid,
      text: `${otp.code} is the OTP to confirm you received the refund of Rs ${tx.amount} for transaction ${tx.tid}. - Eko`,
      atMs: Date.now(),
    };
    this.outbox.push(sms);
    this.config.onSms?.(sms);
    return otp;
  }

  private admin(method: string, url: URL, body: string): Reply {
    const parts = url.pathname.split('/').filter(Boolean).slice(1); // drop "__sim"
    const input = () => parseJsonBody(body);
    try {
      const [resource, id, action] = parts;
      if (resource === 'transactions' && method === 'POST' && !id) return json(201, this.seed(input() as SeedInput));
      if (resource === 'transactions' && method === 'GET' && id && !action) {
        const tx = this.transaction(id);
        return tx ? json(200, tx) : json(404, { error: `no transaction ${id}` });
      }
      if (resource === 'transactions' && method === 'POST' && id && action === 'expire-otp') {
        this.expireOtp(id);
        return json(200, { ok: true });
      }
      if (resource === 'sms' && method === 'GET') return json(200, this.sms(url.searchParams.get('tid') ?? undefined));
      if (resource === 'faults' && method === 'POST') return json(201, this.injectFault(input() as FaultInput));
      if (resource === 'faults' && method === 'GET') return json(200, this.faults);
      if (resource === 'faults' && method === 'DELETE') {
        this.clearFaults();
        return json(200, { ok: true });
      }
      if (resource === 'config' && method === 'PATCH') {
        this.configure(input() as Partial<SimulatorConfig>);
        return json(200, { ok: true });
      }
      if (resource === 'reset' && method === 'POST') {
        this.reset();
        return json(200, { ok: true });
      }
      return json(404, { error: `no admin route ${method} ${url.pathname}` });
    } catch (err) {
      if (err instanceof z.ZodError) {
        return json(400, { error: err.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') });
      }
      if (err instanceof HttpError) return err.reply;
      throw err;
    }
  }
}

type EkoRoute = { endpoint: SimEndpoint; tid: string } | { reply: Reply };

function matchEkoRoute(method: string, pathname: string): EkoRoute {
  const path = pathname.replace(/^\/(ekoapi|ekoicici)\/v3/, '');
  const routes: Array<[SimEndpoint, string, RegExp]> = [
    ['otp', 'POST', /^\/customer\/payment\/refund\/([^/]+)\/otp$/],
    ['refund', 'POST', /^\/customer\/payment\/refund\/([^/]+)$/],
    ['inquiry', 'GET', /^\/tools\/reference\/transaction\/([^/]+)$/],
  ];
  for (const [endpoint, routeMethod, pattern] of routes) {
    const match = pattern.exec(path);
    if (!match) continue;
    if (method !== routeMethod) return { reply: json(405, { message: 'Method Not Allowed' }) };
    return { endpoint, tid: decodeURIComponent(match[1]) };
  }
  return { reply: json(404, { message: 'Not Found' }) };
}

function parseJsonBody(body: string): Record<string, unknown> {
  if (body.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(body);
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // falls through to the 400 below
  }
  throw new HttpError(json(400, { message: 'body must be a JSON object' }), 'bad body');
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: http.ServerResponse, reply: Reply): void {
  res.writeHead(reply.status, { 'content-type': reply.contentType ?? 'application/json' });
  res.end(reply.body);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Adds two non-negative decimal strings exactly, in paise. */
function addMoney(a: string, b: string): string {
  const paise = (value: string) => {
    const [whole, fraction = ''] = value.split('.');
    return BigInt(whole || '0') * 100n + BigInt(fraction.padEnd(2, '0').slice(0, 2));
  };
  const total = paise(a) + paise(b);
  return `${total / 100n}.${String(total % 100n).padStart(2, '0')}`;
}

export async function startSimulator(
  config: Partial<SimulatorConfig> = {},
  port = 0,
  host = '127.0.0.1',
): Promise<EkoSimulator> {
  const simulator = new EkoSimulator(config);
  await simulator.listen(port, host);
  return simulator;
}
