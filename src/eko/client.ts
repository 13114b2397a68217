import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance, isAxiosError } from 'axios';
import type { InquiryAnswer, OtpAnswer, RefundAnswer } from './answers';
import { classifyInquiry, classifyOtp, classifyRefund, type RawExchange } from './classify';
import { signRequest } from './signing';

export interface EkoClientConfig {
  /** Base URL including `/ekoapi/v3` (UAT) or `/ekoicici/v3` (production). */
  baseUrl: string;
  developerKey: string;
  /** Secret: signs every request and never leaves this module. */
  accessKey: string;
  timeoutMs?: number;
  /** Answers larger than this are refused rather than buffered. */
  maxBodyBytes?: number;
}

export interface EkoClientDeps {
  now?: () => number;
}

export interface Initiator {
  initiatorId: string;
  userCode: string;
}

export interface RefundRequest extends Initiator {
  tid: string;
  /** A digit string: see `digitsOnTheWire`. */
  otp: string;
  otpRefId?: string;
  /** A digit string such as "80" (PayPoint): see `digitsOnTheWire`. */
  serviceCode: string;
}

export interface CallOptions {
  /**
   * Lowers the HTTP timeout of this one call, never above the configured one: the caller's own
   * deadline (an activity attempt's) must not end while the call is still in flight.
   */
  timeoutMs?: number;
}

export interface EkoClient {
  requestRefundOtp(tid: string, initiatorId: string, options?: CallOptions): Promise<OtpAnswer>;
  initiateRefund(request: RefundRequest, options?: CallOptions): Promise<RefundAnswer>;
  inquireTransaction(tid: string, initiator: Initiator, options?: CallOptions): Promise<InquiryAnswer>;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/**
 * Eko documents `otp` and `service_code` as integers (its sample sends `"service_code": 80`), but a
 * leading zero or a digit past 2^53 would be lost in a JSON number: send a number when that is
 * safe, and the string otherwise.
 */
export function digitsOnTheWire(value: string): number | string {
  const isPlainInteger = /^(0|[1-9]\d*)$/.test(value) && Number.isSafeInteger(Number(value));
  return isPlainInteger ? Number(value) : value;
}

/** The body of Initiate Refund. The docs disagree on which fields are required: the full set satisfies every version. */
export function refundRequestBody(request: RefundRequest): Record<string, string | number> {
  return {
    initiator_id: request.initiatorId,
    user_code: request.userCode,
    otp: digitsOnTheWire(request.otp),
    // Without an otp_ref_id (the OTP Eko texted at failure), the field is left out rather than "".
    ...(request.otpRefId ? { otp_ref_id: request.otpRefId } : {}),
    service_code: digitsOnTheWire(request.serviceCode),
    state: 1,
  };
}

/** The timeout of one call: the configured one, lowered by the call's own; 0 means no time left. */
export function callTimeoutMs(configuredMs: number, options: CallOptions = {}): number {
  const { timeoutMs } = options;
  if (timeoutMs === undefined || !Number.isFinite(timeoutMs)) return configuredMs;
  return Math.max(0, Math.min(configuredMs, Math.floor(timeoutMs)));
}

export function createEkoClient(config: EkoClientConfig, deps: EkoClientDeps = {}): EkoClient {
  const now = deps.now ?? Date.now;
  const configuredTimeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const http_: AxiosInstance = axios.create({
    baseURL: config.baseUrl.replace(/\/+$/, ''),
    httpAgent: new http.Agent({ keepAlive: true }),
    httpsAgent: new https.Agent({ keepAlive: true }),
    // Every status is an answer to read: HTTP 200 can carry a failure, and 403 has its own meaning.
    validateStatus: () => true,
    responseType: 'text',
    transformResponse: [(body: unknown) => body],
    maxContentLength: config.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    maxRedirects: 0,
  });

  async function exchange(
    { method, url, query, body }: { method: 'GET' | 'POST'; url: string; query?: object; body?: object },
    options: CallOptions | undefined,
  ): Promise<RawExchange> {
    const timeoutMs = callTimeoutMs(configuredTimeoutMs, options);
    // Nothing is sent when the caller has no time left: a request it could not wait for is one
    // whose outcome nobody would read.
    if (timeoutMs === 0) {
      return { kind: 'transport_error', timedOut: true, tooLarge: false, message: 'Eko was not called: no time left' };
    }
    try {
      const response = await http_.request<string>({
        method,
        url,
        params: query,
        data: body,
        timeout: timeoutMs,
        signal: AbortSignal.timeout(timeoutMs),
        headers: {
          developer_key: config.developerKey,
          'content-type': 'application/json',
          ...signRequest(config.accessKey, now()),
        },
      });
      return { kind: 'response', httpStatus: response.status, body: String(response.data ?? '') };
    } catch (err) {
      return transportError(err, timeoutMs);
    }
  }

  const path = (tid: string) => encodeURIComponent(tid);

  // Classifying with the tid of the call keeps it readable in Eko's masked messages.
  return {
    async requestRefundOtp(tid, initiatorId, options) {
      const url = `/customer/payment/refund/${path(tid)}/otp`;
      const answer = await exchange({ method: 'POST', url, body: { initiator_id: initiatorId } }, options);
      return classifyOtp(answer, { tid });
    },
    async initiateRefund(request, options) {
      const url = `/customer/payment/refund/${path(request.tid)}`;
      const answer = await exchange({ method: 'POST', url, body: refundRequestBody(request) }, options);
      return classifyRefund(answer, { tid: request.tid });
    },
    async inquireTransaction(tid, initiator, options) {
      const url = `/tools/reference/transaction/${path(tid)}`;
      const query = { initiator_id: initiator.initiatorId, user_code: initiator.userCode };
      return classifyInquiry(await exchange({ method: 'GET', url, query }, options), { tid });
    },
  };
}

/** Only the error's code and a fixed description leave: axios errors carry headers and the body. */
function transportError(err: unknown, timeoutMs: number): RawExchange {
  const code = isAxiosError(err) ? err.code : undefined;
  const message = err instanceof Error ? err.message : String(err);
  if (code === 'ECONNABORTED' || code === 'ETIMEDOUT' || code === 'ERR_CANCELED') {
    return {
      kind: 'transport_error',
      timedOut: true,
      tooLarge: false,
      message: `Eko did not answer within ${timeoutMs} ms`,
    };
  }
  if (/maxContentLength/.test(message)) {
    return {
      kind: 'transport_error',
      timedOut: false,
      tooLarge: true,
      message: 'Eko answered with a body over the size limit',
    };
  }
  return {
    kind: 'transport_error',
    timedOut: false,
    tooLarge: false,
    message: `Eko could not be reached (${code ?? 'network error'})`,
  };
}
