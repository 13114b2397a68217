/**
 * People through a trusted authenticating proxy (docs/contract/refund-api.md, "People, not
 * desks"): from the proxy's addresses, the identity header names the person, and REFUND_PEOPLE
 * gives their role (`email:role`, or `@domain:role` for everyone of a domain). The header from
 * any other address is refused: only the proxy may say who someone is.
 */
import type { BlockList } from 'node:net';
import { addressList, listed } from './cidr';
import { type Principal, type Role, ROLES } from './keys';

export interface PeopleConfig {
  /** The proxy's addresses (CIDR or single addresses). */
  trustedProxies: string[];
  /** The header the proxy sets, e.g. `x-forwarded-email`. */
  header: string;
  /** `alice@bank.example` or `@bank.example`, and the role it gives. */
  roles: { who: string; role: Role }[];
}

/** `REFUND_PEOPLE`: `email:role` or `@domain:role`, comma-separated. */
export function parsePeople(value: string): { roles: PeopleConfig['roles']; problems: string[] } {
  const roles: PeopleConfig['roles'] = [];
  const problems: string[] = [];
  for (const entry of value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    const at = entry.lastIndexOf(':');
    const [who, role] = [entry.slice(0, at).trim().toLowerCase(), entry.slice(at + 1).trim()];
    if (at < 0 || !/^[^\s@:]*@[^\s@:]+$/.test(who))
      problems.push(`not email:role or @domain:role: ${entry.slice(0, 80)}`);
    else if (!(ROLES as readonly string[]).includes(role))
      problems.push(`${who}: role must be one of ${ROLES.join(', ')}`);
    else roles.push({ who, role: role as Role });
  }
  return { roles, problems };
}

export class People {
  readonly header: string;
  private readonly proxies: BlockList;

  constructor(private readonly config: PeopleConfig) {
    this.header = config.header.toLowerCase();
    this.proxies = addressList(config.trustedProxies);
  }

  /** Whether a request's direct peer is the proxy. */
  trusts(ip: string): boolean {
    return listed(this.proxies, ip);
  }

  /** The person the proxy named, with their role; undefined when REFUND_PEOPLE gives them none. */
  principal(identity: string): Principal | undefined {
    const name = identity.trim().toLowerCase();
    if (!/^[^\s@]+@[^\s@]+$/.test(name) || name.length > 200) return undefined;
    const domain = name.slice(name.lastIndexOf('@'));
    const match = this.config.roles.find((r) => r.who === name) ?? this.config.roles.find((r) => r.who === domain);
    return match && { name, role: match.role };
  }
}
