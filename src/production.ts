import { DEV_ENCRYPTION_KEYS } from './codec/dev-key';
import { UAT } from './eko/uat';
import { isProduction } from './env';

/**
 * The settings a process refuses to start with under NODE_ENV=production (the Docker image sets
 * it): one list of rules that the worker, the codec server and the client library (so the CLI and
 * the HTTP API) apply through their loaders. Outside production the same findings are one warning
 * line, so the development fallbacks (Eko UAT, the dev key) keep working. Each finding names the
 * variable and says why, never what it holds. docs/operations/configuration.md lists them.
 */
export type Concern = 'eko' | 'encryption';

/** The worker calls Eko and encrypts payloads; clients and the codec server only do the latter. */
export const WORKER_CONCERNS: readonly Concern[] = ['eko', 'encryption'];
export const CLIENT_CONCERNS: readonly Concern[] = ['encryption'];

/** Eko's public UAT credentials (eko-api.md): anyone can sign with them, so production never may. */
const UAT_VALUES = {
  EKO_DEVELOPER_KEY: UAT.developerKey,
  EKO_ACCESS_KEY: UAT.accessKey,
  EKO_INITIATOR_ID: UAT.initiatorId,
  EKO_USER_CODE: UAT.userCode,
} as const;

const DEV_KEY = keyBytes(DEV_ENCRYPTION_KEYS.split(':')[1]);

/** Every setting production refuses in `env`, as `VARIABLE: why`, whatever NODE_ENV says. */
export function unsafeForProduction(env: NodeJS.ProcessEnv, concerns: readonly Concern[]): string[] {
  return [
    ...(concerns.includes('eko') ? ekoFindings(env) : []),
    ...(concerns.includes('encryption') ? encryptionFindings(env) : []),
  ];
}

/** What stops this start: every unsafe setting under NODE_ENV=production, nothing elsewhere. */
export function productionRefusals(env: NodeJS.ProcessEnv, concerns: readonly Concern[]): string[] {
  return isProduction(env) ? unsafeForProduction(env, concerns) : [];
}

/** Outside production, one line naming what production would refuse; undefined when there is nothing to say. */
export function productionWarning(env: NodeJS.ProcessEnv, concerns: readonly Concern[]): string | undefined {
  const findings = isProduction(env) ? [] : unsafeForProduction(env, concerns);
  if (findings.length === 0) return undefined;
  return `development settings (NODE_ENV=${env.NODE_ENV || 'unset'}), which NODE_ENV=production refuses: ${findings.join('; ')}`;
}

function ekoFindings(env: NodeJS.ProcessEnv): string[] {
  const findings: string[] = [];
  const baseUrl = valueOf(env, 'EKO_BASE_URL');
  if (baseUrl === undefined) findings.push(missing('EKO_BASE_URL'));
  // The signed headers and the customer's transaction travel on every call.
  else if (!/^https:\/\//i.test(baseUrl)) findings.push('EKO_BASE_URL: must be an https:// URL in production');
  else if (hostOf(baseUrl) === hostOf(UAT.baseUrl)) findings.push("EKO_BASE_URL: is Eko's UAT host, not production");
  for (const [name, uatValue] of Object.entries(UAT_VALUES)) {
    const value = valueOf(env, name);
    if (value === undefined) findings.push(missing(name));
    else if (value === uatValue) findings.push(`${name}: is Eko's public UAT value (use the one Eko issued you)`);
  }
  return findings;
}

function encryptionFindings(env: NodeJS.ProcessEnv): string[] {
  const keys = valueOf(env, 'REFUND_ENCRYPTION_KEYS');
  if (keys === undefined) {
    return ['REFUND_ENCRYPTION_KEYS: required in production (without it OTPs sit in plain text in the history)'];
  }
  // By the key itself, not its id: a renamed copy of the dev key is still public.
  const entries = keys.split(',').map((entry) => keyBytes(entry.trim().split(':')[1] ?? ''));
  if (entries.some((key) => key.equals(DEV_KEY))) {
    return [
      'REFUND_ENCRYPTION_KEYS: holds the public development key from the source (make one with openssl rand -base64 32)',
    ];
  }
  return [];
}

const missing = (name: string) => `${name}: required in production (there is no UAT fallback)`;

function valueOf(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function hostOf(url: string): string | undefined {
  return URL.canParse(url) ? new URL(url).hostname.toLowerCase() : undefined;
}

function keyBytes(base64: string): Buffer {
  return Buffer.from(base64, 'base64');
}
