import { loadCodecServerConfig } from './config';
import { createEncryptionCodec } from './encryption';
import { startCodecServer } from './server';

/**
 * `npm run codec-server`: decrypts and encrypts payloads for the Temporal Web UI and CLI, with the
 * worker's REFUND_ENCRYPTION_KEYS. On HOST:PORT (default 127.0.0.1:8081); CODEC_SERVER_TOKEN
 * requires a bearer token; CODEC_CORS_ORIGINS lists the Web UI origins (default port 8233).
 */
async function run(): Promise<void> {
  const config = loadCodecServerConfig();
  const server = await startCodecServer(
    { codec: createEncryptionCodec(config.keys), token: config.token, corsOrigins: config.corsOrigins },
    config.port,
    config.host,
  );
  console.log(`Codec server listening on ${server.url} for ${config.corsOrigins.join(', ')}`);
  console.log(`  Web UI: temporal server start-dev --ui-codec-endpoint ${server.url}`);
  console.log(`  CLI:    temporal workflow show --codec-endpoint ${server.url} ...`);
  if (config.token === undefined) console.warn('No CODEC_SERVER_TOKEN: anyone who reaches this port can decrypt.');
  const stop = () => void server.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

run().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
