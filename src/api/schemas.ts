/**
 * The API's request and response schemas: fastify validates requests with them and
 * @fastify/swagger documents them (/openapi.json). Request bodies reuse the contract's schemas;
 * responses list the fields a caller may see, so a field the API does not know is never sent.
 */
import { z } from 'zod';
import {
  ALL_PHASES,
  cancelRequestSchema,
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

/** The workflow input. `requestedBy` is the API key's name, so callers leave it out. */
export const startBodySchema = refundInputSchema.refine((input) => input.requestedBy === undefined, {
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
  .meta({ id: 'StartedRefund' });

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
  .meta({ id: 'RefundPage' });

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
  .meta({ id: 'RefundState' });

export const otpAnswerSchema = z
  .object({ phase: phaseSchema, message: z.string(), otpAttemptsLeft: z.number() })
  .meta({ id: 'OtpAnswer' });
export const resendAnswerSchema = z
  .object({ phase: phaseSchema, resendCount: z.number() })
  .meta({ id: 'ResendAnswer' });
export const cancelAnswerSchema = z.object({ phase: phaseSchema }).meta({ id: 'CancelAnswer' });

const countsSchema = (keys: readonly string[]) => z.object(Object.fromEntries(keys.map((key) => [key, z.number()])));
export const summarySchema = z
  .object({
    running: countsSchema(Object.values(RefundPhase)).describe('Running refunds by phase'),
    closed: countsSchema(Object.values(RefundOutcome)).describe('Ended refunds by outcome'),
    closedWithoutOutcome: z.number().describe('Refunds terminated or failed by a bug: look at them in the Web UI'),
    days: z
      .array(
        z.object({
          date: z.string().describe('UTC day, YYYY-MM-DD'),
          closed: countsSchema(Object.values(RefundOutcome)),
        }),
      )
      .describe('Outcomes per day, oldest first'),
  })
  .meta({ id: 'Summary' });

export const sessionSchema = z
  .object({
    name: z.string(),
    role: z.enum(['viewer', 'service', 'support']),
    permissions: z.array(z.enum(['read', 'start', 'operate'])),
    csrfToken: z.string().nullable().describe('Send it as X-CSRF-Token on state-changing calls (console sessions)'),
    expiresAt: isoTime.nullable(),
  })
  .meta({ id: 'Session' });
