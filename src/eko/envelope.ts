/** Reads one HTTP exchange with Eko into its envelope, or says why the exchange must be retried. */
import type { EkoReply, EkoRetryable } from './answers';
import { granularCode } from './codes';
import { maskDigitRuns } from './mask';
import { dataNotes, envelopeCodes, envelopeNotes, isRecord, readFields } from './schemas';
import { parseJson } from '../json';

/** One HTTP exchange with Eko, before anything is read from it. */
export type RawExchange =
  | { kind: 'response'; httpStatus: number; body: string }
  | { kind: 'transport_error'; timedOut: boolean; tooLarge: boolean; message: string };

/** What the classifier knows of the call: its tid stays readable in Eko's messages. */
export interface CallContext {
  tid?: string;
}

/** The envelope's codes, with "" and null read as absent, and `data` ({} when absent). */
export interface Envelope {
  status?: number;
  responseStatusId?: number;
  responseTypeId?: number;
  /** The top-level tx_status; inquiries put theirs inside `data`. */
  txStatus?: number;
  /** Eko's description of tx_status, from `data` or else the top level, masked like the message. */
  txStatusDesc?: string;
  data: Record<string, unknown>;
}

export type ReadAnswer = { envelope: Envelope; reply: EkoReply };

/** Eko's message goes into the refund's state and history: long enough for any real message. */
const MAX_MESSAGE_CHARS = 500;

export function readEnvelope(exchange: RawExchange, call: CallContext = {}): ReadAnswer | EkoRetryable {
  if (exchange.kind === 'transport_error') {
    if (exchange.tooLarge) return { kind: 'retryable', reason: 'bad_response', message: exchange.message };
    return { kind: 'retryable', reason: exchange.timedOut ? 'timeout' : 'transport', message: exchange.message };
  }
  const { httpStatus, body } = exchange;
  const json = parseJson(body);
  const object = isRecord(json) ? json : undefined;
  const notes = object ? readFields(object, envelopeNotes) : undefined;
  const keep = call.tid ? [call.tid] : [];
  const ekoText = (value: string | undefined) => (value ? bounded(maskDigitRuns(value, keep)) : undefined);
  const ekoMessage = ekoText(notes?.values.message);
  const describe = (what: string) => (ekoMessage ? `${what}: ${ekoMessage}` : what);
  const retry = (reason: EkoRetryable['reason'], message: string): EkoRetryable => ({
    kind: 'retryable',
    reason,
    httpStatus,
    message,
  });

  if (httpStatus === 403) {
    return retry('forbidden', describe('Eko answered HTTP 403: check EKO_DEVELOPER_KEY, EKO_ACCESS_KEY and the clock'));
  }
  if (httpStatus >= 500) return retry('server_error', describe(`Eko answered HTTP ${httpStatus}`));
  // Eko's 400 samples mean a malformed parameter: the URL is right, the request is not.
  if (httpStatus === 400) {
    return retry('client_error', describe('Eko answered HTTP 400: a request parameter is malformed'));
  }
  if (httpStatus !== 200) return retry('client_error', describe(`Eko answered HTTP ${httpStatus}: check EKO_BASE_URL`));
  if (json === undefined) return retry('bad_response', 'Eko answered with a body that is not JSON');
  if (!object || !notes) return retry('bad_response', 'Eko answered JSON that is not an object');

  const codes = readFields(object, envelopeCodes);
  if (codes.unreadable.length > 0) {
    return retry('bad_response', `Eko answered an envelope with malformed fields: ${codes.unreadable.join(', ')}`);
  }
  const { status, response_status_id: responseStatusId, response_type_id: responseTypeId } = codes.values;
  if (status === undefined && responseStatusId === undefined) {
    return retry('bad_response', describe('Eko answered without a status envelope'));
  }
  const data = notes.values.data ?? {};
  const inData = readFields(data, dataNotes);
  return {
    envelope: {
      status,
      responseStatusId,
      responseTypeId,
      txStatus: codes.values.tx_status,
      txStatusDesc: ekoText(inData.values.txstatus_desc ?? notes.values.txstatus_desc),
      data,
    },
    reply: withIgnored(
      { httpStatus, code: granularCode(status, responseStatusId), responseTypeId, message: ekoMessage ?? '' },
      [...notes.unreadable, ...dataFieldNames(inData.unreadable)],
    ),
  };
}

/** Adds the names of fields left out of the answer, when there are any. */
export function withIgnored(reply: EkoReply, fields: readonly string[]): EkoReply {
  if (fields.length === 0) return reply;
  return { ...reply, ignoredFields: [...(reply.ignoredFields ?? []), ...fields] };
}

/** How an ignored field inside `data` is named: `data.balance`. */
export function dataFieldNames(names: readonly string[]): string[] {
  return names.map((name) => `data.${name}`);
}

function bounded(text: string): string {
  return text.length > MAX_MESSAGE_CHARS ? `${text.slice(0, MAX_MESSAGE_CHARS)}…` : text;
}
