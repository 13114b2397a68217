/**
 * The local dev stack's key (scripts/dev.ts). It is in the source, so it protects nothing: never
 * configure it anywhere else (production refuses it, src/production.ts). Fixed rather than random
 * so refunds kept in .data/ still decode after a restart.
 */
export const DEV_ENCRYPTION_KEYS = 'dev-1:MPUFcsqbfZCyT2zrPA57UO+/IEbt+QoFFHSWeJJjj7M=';
