/**
 * The API's request and response schemas: fastify validates requests with them and
 * @fastify/swagger documents them (/openapi.json). Request bodies reuse the contract's schemas;
 * responses list the fields a caller may see, so a field the API does not know is never sent.
 */
import { z } from 'zod';
import {
  ALL_PHASES,
  cancelRequestSchema,
  DURATIONS,
  type DurationField,
  formatMs,
  otpSubmissionSchema,
  RefundOutcome,
  RefundPhase,
  refundInputSchema,
  tidSchema,
} from '../contract';

const phaseSchema = z.enum(ALL_PHASES as [string, ...string[]]);
const isoTime = z.string().describe('ISO 8601 time');

// ---- requests ----
export const tidParamsSchema = z.object({ tid: tidSchema });

/**
 * The OpenAPI `format` of the start's durations: text such as "30s" or "24 hours" (or a number of
 * milliseconds). The document adds each field's default and an example (openapi.ts).
 */
export const DURATION_FORMAT = 'duration-text';
const DURATION_TEXT =
  'A duration as text: a number and a unit, such as "30s", "90 seconds", "15 minutes", "24 hours" or "7d" ' +
  '(units ms, s, m, h, d, w, y, short or spelled out, singular or plural, any case), or a number of milliseconds.';
const DURATION_PURPOSE: Record<DurationField, string> = {
  otpTimeout: 'How long the customer has to give the OTP; then the refund ends OTP_EXPIRED',
  pollDeadline: 'How long a refund that Eko has not settled is polled; then NEEDS_REVIEW',
  pollInterval: 'The first wait between two inquiries while polling (it doubles up to maxPollInterval)',
  maxPollInterval: 'The longest wait between two inquiries while polling (at least pollInterval)',
  ekoCallTimeout: 'How long one attempt at an Eko call may take',
  submitDeadline: 'How long the refund call is retried before NEEDS_REVIEW (at least twice ekoCallTimeout)',
  settleWindow:
    'After a refund call whose outcome is unknown, how long the transaction must stay Refund Pending before the ' +
    'refund is called again (less than submitDeadline)',
  resendInterval: 'The least time between two OTP resends',
};
/** The contract's duration field, as it validates, with its documentation. */
const documented = <F extends DurationField>(field: F) =>
  refundInputSchema.shape[field].meta({
    format: DURATION_FORMAT,
    description:
      `${DURATION_PURPOSE[field]}. ${DURATION_TEXT} ` +
      `From ${formatMs(DURATIONS[field].min)} to ${formatMs(DURATIONS[field].max)}.`,
  });

/** The workflow input. `requestedBy` is the API key's name, so callers leave it out. */
export const startBodySchema = refundInputSchema
  .safeExtend({
    otpTimeout: documented('otpTimeout'),
    pollDeadline: documented('pollDeadline'),
    pollInterval: documented('pollInterval'),
    maxPollInterval: documented('maxPollInterval'),
    ekoCallTimeout: documented('ekoCallTimeout'),
    submitDeadline: documented('submitDeadline'),
    settleWindow: documented('settleWindow'),
    resendInterval: documented('resendInterval'),
  })
  .refine((input) => input.requestedBy === undefined, {
    path: ['requestedBy'],
    message: "is set to the API key's name; leave it out (use reason for free text)",
  });

// The actor noted with each action is the API key's name, not the caller's word.
export const otpBodySchema = otpSubmissionSchema.omit({ actor: true });
export const cancelBodySchema = cancelRequestSchema.omit({ actor: true });

/** One or several of `values`: repeated (`phase=A&phase=B`) or comma-separated (`phase=A,B`). */
const several = (values: readonly string[], what: string) => {
  const error = `one or several of ${values.join(', ')}, repeated or comma-separated`;
  const listed = new RegExp(`^(${values.join('|')})(,(${values.join('|')}))*$`);
  return z
    .union([z.string().regex(listed), z.array(z.enum(values as [string, ...string[]])).max(20)], { error })
    .optional()
    .describe(`${what}: ${error}`);
};

/** Which refunds: the list's and the export's filters. */
export const refundFilterSchema = z.strictObject({
  phase: several(ALL_PHASES, 'Phases (with `outcome`: a refund in any of them matches)'),
  outcome: several(Object.values(RefundOutcome), 'Outcomes'),
  tid: tidSchema.optional(),
  startedAfter: z.iso.datetime({ offset: true }).optional().describe('Started at or after this time (ISO 8601)'),
  startedBefore: z.iso.datetime({ offset: true }).optional().describe('Started before this time (ISO 8601)'),
  requestedBy: z.string().min(1).max(200).optional().describe('Started by this API key, person or `eko-callback`'),
});

export const listQuerySchema = refundFilterSchema.extend({
  limit: z.coerce.number().int().min(1).max(100).default(20).describe('Page size'),
  pageToken: z.string().min(1).max(4096).optional().describe('The nextPageToken of the previous page'),
});

export const summaryQuerySchema = z.strictObject({
  days: z.coerce.number().int().min(1).max(31).default(7).describe('Days of outcomes for the chart, today included'),
});

export const signInBodySchema = z.strictObject({ key: z.string().min(1).max(512) });

// ---- responses ----
export const startedSchema = z
  .object({
    tid: z.string(),
    workflowId: z.string(),
    runId: z.string(),
    created: z.boolean().describe('false: a refund of this tid was already running, and this is it'),
  })
  .meta({ id: 'StartedRefund', description: 'The refund of the tid: its workflow and run' });

const refundSummarySchema = z.object({
  tid: z.string().optional(),
  phase: z.string().optional(),
  outcome: z.enum(RefundOutcome).optional().describe('How it ended, once completed'),
  status: z.string().describe('Temporal status: RUNNING, COMPLETED, TERMINATED...'),
  amount: z.string().optional().describe("The transaction's amount, once Eko's inquiry told it"),
  otpDeadline: isoTime.optional(),
  otpAttemptsLeft: z.number().int().optional(),
  lastEkoMessage: z.string().optional().describe("Eko's last message (digit runs masked)"),
  requestedBy: z.string().optional().describe('Who started it: an API key, a person, `eko-callback`'),
  startedAt: isoTime,
  closedAt: isoTime.optional(),
  workflowId: z.string(),
  runId: z.string(),
});

export const refundPageSchema = z
  .object({
    refunds: z.array(refundSummarySchema),
    nextPageToken: z.string().nullable().describe('null on the last page'),
  })
  .meta({ id: 'RefundPage', description: 'A page of refunds, newest first' });

const ekoAnswerSchema = z.object({
  status: z.number().optional(),
  httpStatus: z.number().optional(),
  txStatus: z.number().optional(),
  txStatusDesc: z.string().optional(),
  message: z.string(),
  responseTypeId: z.number().optional(),
  at: isoTime,
});

const amountsSchema = z.object({
  refundTid: z.string().optional(),
  refundedAmount: z.string().optional(),
  amount: z.string().optional(),
  fee: z.string().optional(),
  balance: z.string().optional(),
});

export const refundStatusSchema = z
  .object({
    tid: z.string(),
    phase: phaseSchema,
    outcome: z.enum(RefundOutcome).optional(),
    createdAt: isoTime,
    updatedAt: isoTime,
    otpDeadline: isoTime.optional(),
    wrongOtpAttempts: z.number(),
    otpAttemptsLeft: z.number(),
    resendCount: z.number(),
    resendAllowedAt: z.string().optional().describe('When a resend of the OTP is allowed'),
    submittedToEko: z.boolean().describe('true once a refund call may have reached Eko: no cancel from then on'),
    lastEkoAnswer: ekoAnswerSchema.optional(),
    refund: amountsSchema.optional(),
    transitions: z.array(z.object({ from: phaseSchema.nullable(), to: phaseSchema, at: isoTime, reason: z.string() })),
    notes: z.array(z.string()),
    workflowId: z.string(),
    runId: z.string(),
    workflowStatus: z.string().describe('Temporal status of the run'),
    pendingActivity: z
      .object({
        activityType: z.string(),
        attempt: z.number(),
        lastFailure: z.string().optional(),
        nextAttemptAt: isoTime.optional(),
      })
      .optional(),
  })
  .meta({ id: 'RefundState', description: 'The state of a refund' });

export const otpAnswerSchema = z
  .object({ phase: phaseSchema, message: z.string(), otpAttemptsLeft: z.number() })
  .meta({ id: 'OtpAnswer', description: "Eko's answer to the OTP" });
export const resendAnswerSchema = z
  .object({ phase: phaseSchema, resendCount: z.number() })
  .meta({ id: 'ResendAnswer', description: 'Eko texted a new OTP' });
export const cancelAnswerSchema = z.object({ phase: phaseSchema }).meta({
  id: 'CancelAnswer',
  description: 'The phase the cancel left the refund in: CANCELLED, an outcome reached first, or PENDING',
});

const countsSchema = (keys: readonly string[]) => z.object(Object.fromEntries(keys.map((key) => [key, z.number()])));
export const summarySchema = z
  .object({
    running: countsSchema(Object.values(RefundPhase)).describe('Running refunds by phase'),
    closed: countsSchema(Object.values(RefundOutcome)).describe('Ended refunds by outcome'),
    closedWithoutOutcome: z.number().describe('Refunds terminated or failed by a bug: look at them in the Web UI'),
    timeZone: z.string().describe('The zone the days are counted in (REFUND_TIME_ZONE)'),
    days: z
      .array(
        z.object({
          date: z.string().describe('Day in timeZone, YYYY-MM-DD'),
          closed: countsSchema(Object.values(RefundOutcome)),
        }),
      )
      .describe('Outcomes per day, oldest first'),
  })
  .meta({ id: 'Summary', description: 'Refund counts' });

export const sessionSchema = z
  .object({
    name: z.string(),
    role: z.enum(['viewer', 'service', 'support']),
    permissions: z.array(z.enum(['read', 'start', 'operate'])),
    csrfToken: z.string().nullable().describe('Send it as X-CSRF-Token on state-changing calls (console sessions)'),
    expiresAt: isoTime.nullable(),
  })
  .meta({ id: 'Session', description: 'Who is signed in' });

// ---- examples: the OpenAPI document's, typed so that they keep up with the schemas ----
export const EXAMPLE_TID = '1000000001';
const EXAMPLE_RUN_ID = '0197e3c4-5b1a-7c2e-9f4d-3a8b6c1d2e0f';
const example = <T>(summary: string, value: T) => ({ summary, value });

export const EXAMPLES = {
  startBody: example('A refund with a 2-hour OTP window', {
    tid: EXAMPLE_TID,
    reason: 'agent returned the cash to the customer',
    otpTimeout: '2 hours',
  } satisfies z.input<typeof startBodySchema>),
  started: example('Started', {
    tid: EXAMPLE_TID,
    workflowId: `refund-${EXAMPLE_TID}`,
    runId: EXAMPLE_RUN_ID,
    created: true,
  } satisfies z.output<typeof startedSchema>),
  alreadyRunning: example('Already running with the same options: that refund', {
    tid: EXAMPLE_TID,
    workflowId: `refund-${EXAMPLE_TID}`,
    runId: EXAMPLE_RUN_ID,
    created: false,
  } satisfies z.output<typeof startedSchema>),
  refundPage: example('A page of refunds', {
    refunds: [
      {
        tid: EXAMPLE_TID,
        phase: 'AWAITING_OTP',
        status: 'RUNNING',
        amount: '750.00',
        otpDeadline: '2026-12-01T12:15:00.804Z',
        otpAttemptsLeft: 3,
        lastEkoMessage: 'OTP sent to customer',
        requestedBy: 'billing',
        startedAt: '2026-12-01T10:15:00.633Z',
        workflowId: `refund-${EXAMPLE_TID}`,
        runId: EXAMPLE_RUN_ID,
      },
      {
        tid: '1000000002',
        phase: 'REFUNDED',
        outcome: RefundOutcome.REFUNDED,
        status: 'COMPLETED',
        amount: '1200.00',
        otpAttemptsLeft: 3,
        lastEkoMessage: 'Refund done',
        requestedBy: 'eko-callback',
        startedAt: '2026-12-01T09:02:11.000Z',
        closedAt: '2026-12-01T09:04:40.000Z',
        workflowId: 'refund-1000000002',
        runId: '0197e3a1-03c2-7d45-8e21-5c9a0b7f6d13',
      },
    ],
    nextPageToken:
      'eyJxIjoicG9GX0dUWUJnUHh1b3dSaiIsInQiOiJleUpEYkc5elpWUnBiV1VpT2lJeU1ESTJMVEV5TFRBMlZESXdPalF4T2pBNUxqQTFPVGc0TkZvaUxDSlRkR0Z5ZEZScGJXVWlPaUl5TURJMkxURXlMVEEyVkRJd09qUXhPakE0TGpZek16RXpObG9pTENKU2RXNUpSQ0k2SWpBeFlUSTBaREUyTFdNNU1Ua3ROekl4TUMxaE5UbG1MV0V6WW1RNFkyTTNaVFExTkNKOSJ9',
  } satisfies z.output<typeof refundPageSchema>),
  awaitingOtp: example('Waiting for the customer’s OTP (read from visibility: no query, no worker needed)', {
    tid: EXAMPLE_TID,
    phase: 'AWAITING_OTP',
    createdAt: '2026-12-01T10:15:00.633Z',
    updatedAt: '2026-12-01T10:15:00.804Z',
    otpDeadline: '2026-12-01T12:15:00.804Z',
    wrongOtpAttempts: 0,
    otpAttemptsLeft: 3,
    resendCount: 0,
    resendAllowedAt: '2026-12-01T10:16:00.804Z',
    submittedToEko: false,
    lastEkoAnswer: { message: 'OTP sent to customer', at: '2026-12-01T10:15:00.804Z' },
    transitions: [
      {
        from: null,
        to: 'CHECKING',
        at: '2026-12-01T10:15:00.633Z',
        reason: 'refund started: inquiring the transaction',
      },
      {
        from: null,
        to: 'AWAITING_OTP',
        at: '2026-12-01T10:15:00.804Z',
        reason: 'OTP sent to the customer: waiting for it',
      },
    ],
    notes: [],
    workflowId: `refund-${EXAMPLE_TID}`,
    runId: EXAMPLE_RUN_ID,
    workflowStatus: 'RUNNING',
  } satisfies z.output<typeof refundStatusSchema>),
  refunded: example('Refunded (from the result)', {
    tid: EXAMPLE_TID,
    phase: 'REFUNDED',
    outcome: RefundOutcome.REFUNDED,
    createdAt: '2026-12-01T10:15:00.641Z',
    updatedAt: '2026-12-01T10:17:41.029Z',
    otpDeadline: '2026-12-01T12:15:00.804Z',
    wrongOtpAttempts: 0,
    otpAttemptsLeft: 3,
    resendCount: 0,
    resendAllowedAt: '2026-12-01T10:16:00.804Z',
    submittedToEko: true,
    lastEkoAnswer: {
      status: 0,
      httpStatus: 200,
      message: 'Refund done',
      responseTypeId: 74,
      at: '2026-12-01T10:17:41.025Z',
    },
    refund: { refundTid: '2147000001', refundedAmount: '757.50', amount: '750.00', fee: '7.50', balance: '41230.86' },
    transitions: [
      {
        from: null,
        to: 'CHECKING',
        at: '2026-12-01T10:15:00.641Z',
        reason: 'refund started: inquiring the transaction',
      },
      {
        from: 'CHECKING',
        to: 'SENDING_OTP',
        at: '2026-12-01T10:15:00.804Z',
        reason: 'transaction is refund pending: requesting an OTP for the customer',
      },
      {
        from: 'SENDING_OTP',
        to: 'AWAITING_OTP',
        at: '2026-12-01T10:15:00.804Z',
        reason: 'OTP sent to the customer: waiting for it',
      },
      {
        from: 'AWAITING_OTP',
        to: 'SUBMITTING',
        at: '2026-12-01T10:17:40.985Z',
        reason: 'OTP received: initiating the refund',
      },
      { from: 'SUBMITTING', to: 'REFUNDED', at: '2026-12-01T10:17:41.029Z', reason: 'Eko: Refund done' },
    ],
    notes: [],
    workflowId: `refund-${EXAMPLE_TID}`,
    runId: EXAMPLE_RUN_ID,
    workflowStatus: 'COMPLETED',
  } satisfies z.output<typeof refundStatusSchema>),
  otpBody: example('The customer’s OTP', { otp: '482913' } satisfies z.input<typeof otpBodySchema>),
  otpRefunded: example('Eko refunded', {
    phase: 'REFUNDED',
    message: 'Refund done',
    otpAttemptsLeft: 3,
  } satisfies z.output<typeof otpAnswerSchema>),
  otpWrong: example('A wrong OTP: still waiting, one attempt fewer', {
    phase: 'AWAITING_OTP',
    message: 'Wrong OTP',
    otpAttemptsLeft: 2,
  } satisfies z.output<typeof otpAnswerSchema>),
  resent: example('Eko texted a new OTP', {
    phase: 'AWAITING_OTP',
    resendCount: 1,
  } satisfies z.output<typeof resendAnswerSchema>),
  cancelBody: example('Why', { reason: 'the customer took the cash back' } satisfies z.input<typeof cancelBodySchema>),
  cancelled: example('Cancelled', { phase: 'CANCELLED' } satisfies z.output<typeof cancelAnswerSchema>),
};
