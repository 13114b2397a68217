import { DefaultFailureConverter } from '@temporalio/common';

/**
 * Loaded by path (`failureConverterPath`) because workflow code, in its sandbox, converts errors
 * too: keep this file free of Node built-ins. Error messages and stack traces move into an
 * encoded payload, which the encryption codec then encrypts: an Eko message quoting a mobile
 * number never reaches history in clear.
 */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
