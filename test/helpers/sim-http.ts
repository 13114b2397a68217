// Raw HTTP to the Eko simulator, as Eko is spoken to (signed requests, JSON bodies), without the
// project's Eko client: tests of the simulator read its answers as they are on the wire.
import { signRequest } from '../../src/eko/signing';
import { UAT } from '../../src/eko/uat';
import type { EkoSimulator } from '../../simulator';

export interface RawAnswer {
  status: number;
  text: string;
  /** The body as JSON, undefined when it is not JSON. */
  json: Record<string, unknown> | undefined;
}

export function signedHeaders(overrides: Record<string, string> = {}, accessKey: string = UAT.accessKey) {
  return {
    developer_key: UAT.developerKey,
    'content-type': 'application/json',
    ...signRequest(accessKey, Date.now()),
    ...overrides,
  };
}

/** `simulator` is read at each call, so a test file can build these before its simulator starts. */
export function simHttp(simulator: () => EkoSimulator) {
  async function eko(
    method: string,
    path: string,
    body?: object,
    headers = signedHeaders(),
    signal?: AbortSignal,
  ): Promise<RawAnswer> {
    const response = await fetch(`${simulator().baseUrl}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
    const text = await response.text();
    let json: Record<string, unknown> | undefined;
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      json = undefined;
    }
    return { status: response.status, text, json };
  }

  return {
    eko,
    requestOtp: (tid: string) => eko('POST', `/customer/payment/refund/${tid}/otp`, { initiator_id: UAT.initiatorId }),
    /** Initiate Refund with Eko's full body; `signal` lets a test give up on the call as a client would. */
    refund: (tid: string, otp: string, otpRefId = '', signal?: AbortSignal) =>
      eko(
        'POST',
        `/customer/payment/refund/${tid}`,
        {
          initiator_id: UAT.initiatorId,
          user_code: UAT.userCode,
          otp,
          otp_ref_id: otpRefId,
          service_code: 80,
          state: 1,
        },
        signedHeaders(),
        signal,
      ),
    inquire: (tid: string, userCode: string = UAT.userCode) =>
      eko('GET', `/tools/reference/transaction/${tid}?initiator_id=${UAT.initiatorId}&user_code=${userCode}`),
    /** The admin surface under /__sim/, over HTTP. */
    async admin(method: string, path: string, body?: object) {
      const response = await fetch(`${simulator().url}/__sim${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, json: (await response.json()) as Record<string, unknown> & unknown[] };
    },
  };
}
