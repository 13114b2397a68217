import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { createAdmin } from './admin';
import { failTransaction, type SentCallback } from './callback';
import { type ConfigPatch, configPatchSchema, DEFAULT_SIMULATOR_CONFIG, type SimulatorConfig } from './config';
import { type Fault, FaultBook, type FaultInput } from './faults';
import { HttpServer, type RequestInFlight, type TlsFiles } from './http-server';
import type { SimTransaction, SmsMessage } from './model';
import { issueOtp } from './otp';
import { createRouter } from './router';
import { newTransaction, type SeedInput, type TransactionView, viewOf } from './seed';
import type { SimState } from './state';

/**
 * A stateful stand-in for Eko's refund endpoints, shared by the tests, the demo and the benchmark.
 * It checks signatures exactly, applies each refund at most once, and injects faults on request.
 * Tests in the same process use these methods; other processes use the same operations under
 * `/__sim/` (see admin.ts).
 */
export class EkoSimulator {
  readonly config: SimulatorConfig;
  private readonly transactions = new Map<string, SimTransaction>();
  private readonly outbox: SmsMessage[] = [];
  private readonly sentCallbacks: SentCallback[] = [];
  private readonly faultBook = new FaultBook();
  private readonly server: HttpServer;
  /** Aborts every wait in flight (latency, slow applies) on reset and close. */
  private waits = newWaits();
  private refundSeq = 2_147_000_000;
  private readonly state: SimState;

  /** `tls`: serve HTTPS with this certificate, as Eko does (the cluster's production workers want it). */
  constructor(config: Partial<SimulatorConfig> = {}, tls?: TlsFiles) {
    this.config = { ...DEFAULT_SIMULATOR_CONFIG, ...config };
    this.state = {
      config: this.config,
      transactions: this.transactions,
      outbox: this.outbox,
      faults: this.faultBook,
      callbacks: this.sentCallbacks,
      wait: (ms) => sleep(ms, undefined, { signal: this.waits.signal }),
      nextRefundTid: () => String((this.refundSeq += 1)),
    };
    this.server = new HttpServer(createRouter(this.state, createAdmin(this)), tls);
  }

  /** Listens on `port` (0: a random free port) and returns the Eko base URL to configure. */
  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    await this.server.listen(port, host);
    return this.baseUrl;
  }

  /** The simulator's root: the admin surface is under `${url}/__sim/`. */
  get url(): string {
    return this.server.url;
  }

  /** The Eko base URL, including the API path as in UAT. */
  get baseUrl(): string {
    return `${this.url}/ekoapi/v3`;
  }

  async close(): Promise<void> {
    this.waits.abort();
    await this.server.close();
  }

  seed(input: SeedInput): TransactionView {
    const { tx, sendOtp } = newTransaction(input);
    this.transactions.set(tx.tid, tx);
    if (sendOtp) issueOtp(this.state, tx);
    return viewOf(tx);
  }

  transaction(tid: string): TransactionView | undefined {
    const tx = this.transactions.get(tid);
    return tx && viewOf(tx);
  }

  /**
   * Fails a live transaction as Eko does: Refund Pending, an OTP texted to the customer, and the
   * transaction status callback sent to `callbackUrl`. Throws for a tid unknown or already failed.
   */
  fail(tid: string): TransactionView {
    const tx = this.transactions.get(tid);
    if (!tx) throw new Error(`no transaction ${tid}`);
    failTransaction(this.state, tx, () => issueOtp(this.state, tx));
    return viewOf(tx);
  }

  /** The transaction status callbacks sent, oldest first. */
  callbacks(tid?: string): SentCallback[] {
    return this.sentCallbacks.filter((sent) => tid === undefined || sent.tid === tid);
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
    return this.faultBook.inject(input);
  }

  /** The calls being answered now (a latency fault holds one open), with the caller's port. */
  requestsInFlight(): RequestInFlight[] {
    return this.server.requestsInFlight();
  }

  /** Faults still waiting to strike. */
  faults(): Fault[] {
    return this.faultBook.list();
  }

  clearFaults(): void {
    this.faultBook.clear();
  }

  configure(patch: ConfigPatch): void {
    Object.assign(this.config, configPatchSchema.parse(patch));
  }

  /** Forgets transactions, SMS and faults; calls still waiting (latency, slow applies) end with a 500. */
  reset(): void {
    this.transactions.clear();
    this.outbox.length = 0;
    this.sentCallbacks.length = 0;
    this.faultBook.clear();
    this.waits.abort();
    this.waits = newWaits();
  }
}

/** One signal for every wait in flight: a benchmark may have thousands, so no listener limit. */
function newWaits(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}

export async function startSimulator(
  config: Partial<SimulatorConfig> = {},
  port = 0,
  host = '127.0.0.1',
  tls?: TlsFiles,
): Promise<EkoSimulator> {
  const simulator = new EkoSimulator(config, tls);
  await simulator.listen(port, host);
  return simulator;
}
