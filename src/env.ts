import type { z } from 'zod';

/**
 * Reading settings from the environment, shared by every loader (worker, codec server, client).
 * Errors name the variable and say what is wrong, never what it holds: a value may be a secret.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
  }
}

export const isProduction = (env: NodeJS.ProcessEnv): boolean => env.NODE_ENV === 'production';

/**
 * Parses environment variables: an empty one means "not set". `refusals` are findings of the
 * production rules (src/production.ts); they go into the same error, so one message names every
 * variable to fix.
 */
export function parseEnv<T extends z.ZodType>(
  schema: T,
  env: NodeJS.ProcessEnv,
  refusals: readonly string[] = [],
): z.output<T> {
  const parsed = schema.safeParse(presentIn(env));
  if (parsed.success && refusals.length === 0) return parsed.data;
  // One finding per variable is enough to act on, and a refusal says more than "required".
  const refused = new Set(refusals.map((refusal) => refusal.split(':')[0]));
  const problems = (parsed.success ? [] : parsed.error.issues)
    .filter((issue) => !refused.has(String(issue.path[0])))
    .map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  throw new ConfigError([...refusals, ...problems]);
}

/** The variables that are set and not empty. */
export function presentIn(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''),
  );
}
