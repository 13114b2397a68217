import { CLIENT_CONCERNS, productionWarning } from '../production';
import { loadCodecServerConfig } from './config';
import { createEncryptionCodec } from './encryption';
import { startCodecServer } from './server';

/**
 * `npm run codec-server`: decrypts and encrypts payloads for the Temporal Web UI and CLI, with the
 * worker's REFUND_ENCRYPTION_KEYS. On HOST:PORT (default 127.0.0.1:8081); CODEC_SERVER_TOKEN
 * requires a token (and must be set beyond loopback); CODEC_CORS_ORIGINS lists the Web UI origins
 * (default port 8233). NODE_ENV=production refuses the dev key (src/production.ts).
 */
async function run(): Promise<void> {
  const config = loadCodecServerConfig();
  const warning = productionWarning(process.env, CLIENT_CONCERNS);
  if (warning !== undefined) console.warn(warning);
  const server = await startCodecServer(
    { codec: createEncryptionCodec(config.keys), token: config.token, corsOrigins: config.corsOrigins },
    config.port,
    config.host,
  );
  console.log(`Codec server listening on ${server.url} for ${config.corsOrigins.join(', ')}`);
  console.log(`  Web UI: temporal server start-dev --ui-codec-endpoint ${server.url}`);
  if (config.token === undefined) {
    console.log(`  CLI:    temporal workflow show --codec-endpoint ${server.url} ...`);
    console.warn('No CODEC_SERVER_TOKEN: anything on this machine can decrypt.');
  } else {
    console.log(
      `  CLI:    temporal workflow show --codec-endpoint ${server.url} --codec-auth "Bearer $CODEC_SERVER_TOKEN" ...`,
    );
    console.log(`  Browser: sign in once at ${server.url}/ (any user name, the token as password)`);
  }
  const stop = () => void server.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

run().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
