/**
 * The public surface of the refund workflow in one module: names, search-attribute keys, message
 * definitions, input schemas and the shapes of state and result. See docs/contract/.
 * Workflow code imports the files it needs directly, to keep the workflow bundle small.
 */
export * from './duration';
export * from './messages';
export * from './names';
export * from './rules';
export * from './schemas';
export * from './state';
export * from './types';
