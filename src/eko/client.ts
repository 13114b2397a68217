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
  /** A digit string: see `otpOnTheWire`. */
  otp: string;
  otpRefId?: string;
  serviceCode: string;
}

/** Per call: a timeout below the configured one (an activity attempt's time left). */
export interface CallOptions {
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
 * Eko documents `otp` as an integer, but a leading zero would be lost in a JSON number: send a
 * number when that is safe, and the digit string otherwise.
 */
export function otpOnTheWire(otp: string): number | string {
  return otp.startsWith('0') ? otp : Number(otp);
}

export function createEkoClient(config: EkoClientConfig, deps: EkoClientDeps = {}): EkoClient {
  const now = deps.now ?? Date.now;
  const timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const http_: AxiosInstance = axios.create({
    baseURL: config.baseUrl.replace(/\/+$/, ''),
    timeout: timeoutMs,
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
    method: 'GET' | 'POST',
    url: string,
    options: CallOptions = {},
    query?: object,
    body?: object,
  ): Promise<RawExchange> {
    const callTimeoutMs = Math.min(timeoutMs, options.timeoutMs ?? timeoutMs);
    try {
      const response = await http_.request<string>({
        method,
        url,
        params: query,
        data: body,
        timeout: callTimeoutMs,
        signal: AbortSignal.timeout(callTimeoutMs),
        headers: {
          developer_key: config.developerKey,
          'content-type': 'application/json',
          ...signRequest(config.accessKey, now()),
        },
      });
      return { kind: 'response', httpStatus: response.status, body: String(response.data ?? '') };
    } catch (err) {
      return transportError(err, callTimeoutMs);
    }
  }

  const path = (tid: string) => encodeURIComponent(tid);

  return {
    async requestRefundOtp(tid, initiatorId, options) {
      const url = `/customer/payment/refund/${path(tid)}/otp`;
      return classifyOtp(await exchange('POST', url, options, undefined, { initiator_id: initiatorId }));
    },
    async initiateRefund(request, options) {
      // The docs disagree on which fields are required: the full set satisfies every version.
      const body = {
        initiator_id: request.initiatorId,
        user_code: request.userCode,
        otp: otpOnTheWire(request.otp),
        otp_ref_id: request.otpRefId ?? '',
        service_code: request.serviceCode,
        state: 1,
      };
      return classifyRefund(
        await exchange('POST', `/customer/payment/refund/${path(request.tid)}`, options, undefined, body),
      );
    },
    async inquireTransaction(tid, initiator, options) {
      const query = { initiator_id: initiator.initiatorId, user_code: initiator.userCode };
      return classifyInquiry(await exchange('GET', `/tools/reference/transaction/${path(tid)}`, options, query));
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
