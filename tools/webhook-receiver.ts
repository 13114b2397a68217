// A subscriber's endpoint over real HTTP, for the tests and the chaos run: it checks every
// signature with the client library's verifier and keeps what arrived; it can refuse attempts as a
// subscriber in an outage would.
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { SIGNATURE_HEADER, verifyWebhook, type WebhookEvent } from '../src/client';

export interface Received {
  event: WebhookEvent;
  body: string;
  signed: boolean;
}

export interface WebhookReceiver {
  url: string;
  received: Received[];
  /** Requests answered 503 so far. */
  refused: number;
  close(): Promise<void>;
}

/**
 * `refuseFirst`: requests answered 503 before any is taken (an outage); `refuseEach`: attempts of
 * every event answered 503 before it is taken (each event then rides the retries); `tls`: serve
 * HTTPS with this certificate (production workers deliver to https:// only).
 */
export async function startWebhookReceiver(
  secret: string,
  {
    refuseFirst = 0,
    refuseEach = 0,
    tls,
  }: { refuseFirst?: number; refuseEach?: number; tls?: https.ServerOptions } = {},
): Promise<WebhookReceiver> {
  const attempts = new Map<string, number>();
  const receiver: WebhookReceiver = { url: '', received: [], refused: 0, close: async () => undefined };
  const listener: http.RequestListener = (request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (receiver.refused < refuseFirst) {
        receiver.refused += 1;
        response.writeHead(503).end('down for maintenance');
        return;
      }
      const body = Buffer.concat(chunks).toString();
      const id = /"id":"([^"]*)"/.exec(body)?.[1] ?? '';
      const attempt = (attempts.get(id) ?? 0) + 1;
      attempts.set(id, attempt);
      if (attempt <= refuseEach) {
        receiver.refused += 1;
        response.writeHead(503).end('not yet');
        return;
      }
      const signed = verifyWebhook(body, request.headers[SIGNATURE_HEADER.toLowerCase()] as string, secret);
      receiver.received.push({ event: JSON.parse(body), body, signed });
      response.writeHead(signed ? 204 : 400).end();
    });
  };
  const server = tls ? https.createServer(tls, listener) : http.createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `${tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  receiver.close = () => new Promise((resolve) => server.close(() => resolve()));
  return receiver;
}
