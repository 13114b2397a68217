/** The Eko simulator's public surface, for tests and scripts: import from here, not from its files. */
export type { SentCallback } from './callback';
export { DEFAULT_SIMULATOR_CONFIG, type ConfigPatch, type SimulatorConfig } from './config';
export { FAULT_TYPES, type Fault, type FaultInput, type FaultType } from './faults';
export { AMOUNT_FIELDS, DIALECTS, type AmountField, type Dialect, type SimEndpoint, type SmsMessage } from './model';
export type { SeedInput, TransactionView } from './seed';
export type { RequestInFlight, TlsFiles } from './http-server';
export { EkoSimulator, startSimulator } from './simulator';
