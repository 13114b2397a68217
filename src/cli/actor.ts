import { userInfo } from 'node:os';

/**
 * Who is acting, for the refund's notes and memo: `--actor`, else EKO_REFUND_ACTOR (a shared
 * support terminal sets it), else the OS user name. Undefined when none is known: actor is optional.
 */
export function resolveActor(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return flag || env.EKO_REFUND_ACTOR || osUserName();
}

function osUserName(): string | undefined {
  try {
    return userInfo().username || undefined;
  } catch {
    // A container user without a passwd entry has no name.
    return undefined;
  }
}
