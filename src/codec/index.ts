import type { DataConverter } from '@temporalio/common';
import { createEncryptionCodec, type EncryptionKey } from './encryption';

export { loadEncryptionConfig } from './config';

/**
 * The data converter for the worker and every client of the same namespace: payloads and failure
 * messages encrypted when keys are configured, the SDK's default otherwise.
 *
 *   const dataConverter = dataConverterFor(loadEncryptionConfig());
 *   Worker.create({ ..., dataConverter });  new Client({ ..., dataConverter });
 *
 * The codec runs in the worker process, outside the workflow sandbox; only the failure converter
 * is bundled into workflow code, hence its path.
 */
export function dataConverterFor(keys: readonly EncryptionKey[]): DataConverter {
  if (keys.length === 0) return {};
  return {
    payloadCodecs: [createEncryptionCodec(keys)],
    failureConverterPath: require.resolve('./failure-converter'),
  };
}
