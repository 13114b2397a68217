import { z } from 'zod';
import { UAT } from '../src/eko/uat';
import { DIALECTS, type Dialect, type SmsMessage } from './model';

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
  /** Where failures carry their code, for every transaction seeded without a dialect of its own. */
  dialect: Dialect;
  /** Where Eko's transaction status callback goes (the partner's registered URL); none when unset. */
  callbackUrl?: string;
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
  dialect: 'status-code',
};

/** What `configure()` and `PATCH /__sim/config` may change at run time. */
export const configPatchSchema = z
  .object({
    developerKey: z.string(),
    accessKey: z.string(),
    initiatorId: z.string(),
    userCode: z.string(),
    skewMs: z.number().int().min(0),
    otpTtlMs: z.number().int().min(0),
    latencyMs: z.number().int().min(0),
    dialect: z.enum(DIALECTS),
    callbackUrl: z.url(),
  })
  .partial();
export type ConfigPatch = z.input<typeof configPatchSchema>;
