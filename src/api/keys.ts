/**
 * API keys and roles (docs/contract/refund-api.md). `REFUND_API_KEYS` is a comma-separated list of
 * `name:role:key`. Keys are compared in constant time and never logged: only the name is.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export const ROLES = ['viewer', 'service', 'support'] as const;
export type Role = (typeof ROLES)[number];

/** What a role may do: read refunds, start them, and operate them (OTP, resend, cancel). */
export type Permission = 'read' | 'start' | 'operate';
const PERMISSIONS: Record<Role, readonly Permission[]> = {
  viewer: ['read'],
  service: ['read', 'start'],
  support: ['read', 'start', 'operate'],
};
export const can = (role: Role, permission: Permission): boolean => PERMISSIONS[role].includes(permission);
export const permissionsOf = (role: Role): readonly Permission[] => PERMISSIONS[role];

/** Who made a request: the key's name (audit logs, `requestedBy`, `actor`) and its role. */
export interface Principal {
  name: string;
  role: Role;
}

export interface ApiKey extends Principal {
  key: string;
}

export const MIN_KEY_LENGTH = 24;
const NAME = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * The keys `npm run dev` uses when REFUND_API_KEYS is unset. They are in the source, so they
 * protect nothing: the API refuses them under NODE_ENV=production.
 */
export const DEV_API_KEYS =
  'dev-viewer:viewer:dev-viewer-key-0123456789abcdef,' +
  'dev-service:service:dev-service-key-0123456789abcdef,' +
  'dev-support:support:dev-support-key-0123456789abcdef';

/** Parses REFUND_API_KEYS; problems name the entry by position, never by what it holds. */
export function parseApiKeys(value: string): { keys: ApiKey[]; problems: string[] } {
  const keys: ApiKey[] = [];
  const problems: string[] = [];
  value.split(',').forEach((raw, index) => {
    const entry = raw.trim();
    const [name, role, ...rest] = entry.split(':');
    const key = rest.join(':');
    const where = `entry ${index + 1}`;
    if (!name || !NAME.test(name)) problems.push(`${where}: name must be 1 to 64 letters, digits, '.', '_' or '-'`);
    else if (!(ROLES as readonly string[]).includes(role ?? ''))
      problems.push(`${where}: role must be one of ${ROLES.join(', ')}`);
    else if (key.length < MIN_KEY_LENGTH) problems.push(`${where}: key must be at least ${MIN_KEY_LENGTH} characters`);
    else keys.push({ name, role: role as Role, key });
  });
  if (new Set(keys.map((k) => k.name)).size !== keys.length) problems.push('key names must be unique');
  if (new Set(keys.map((k) => k.key)).size !== keys.length) problems.push('keys must be unique');
  return { keys, problems };
}

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/** Finds the key's principal. Every configured key is compared, in constant time, whatever matches. */
export class ApiKeyring {
  private readonly entries: { digest: Buffer; principal: Principal }[];

  constructor(keys: readonly ApiKey[]) {
    this.entries = keys.map(({ name, role, key }) => ({ digest: digest(key), principal: { name, role } }));
  }

  authenticate(presented: string): Principal | undefined {
    // Equal-length digests, so timingSafeEqual applies and the key's length does not show either.
    const candidate = digest(presented);
    let found: Principal | undefined;
    for (const entry of this.entries) {
      if (timingSafeEqual(entry.digest, candidate)) found = entry.principal;
    }
    return found;
  }

  /** The principal of a key name, as configured now (a session outlives no role change). */
  byName(name: string): Principal | undefined {
    return this.entries.find((entry) => entry.principal.name === name)?.principal;
  }

  /** Material for the session-signing secret: changes when any key changes. */
  fingerprint(): Buffer {
    return createHash('sha256')
      .update(
        this.entries
          .map((entry) => `${entry.principal.name}:${entry.principal.role}:${entry.digest.toString('hex')}`)
          .join(','),
      )
      .digest();
  }
}
