// The cluster's secrets, generated at its first start and kept (mode 0600) beside its data: not the
// public development values, which its production processes refuse. Kept, because the data outlives
// a restart: payloads encrypted with a key are read with it again, and PostgreSQL keeps its password.
import { execFileSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { TlsFiles } from '../../simulator';
import { RunError } from '../../tools/resources';

export interface ClusterSecrets {
  postgresPassword: string;
  /** REFUND_ENCRYPTION_KEYS */
  encryptionKeys: string;
  /** What the simulator signs with, as Eko would issue to a partner. */
  eko: { developerKey: string; accessKey: string; initiatorId: string; userCode: string };
  /** REFUND_API_KEYS: one key per role. */
  apiKeys: { service: string; support: string; viewer: string };
  codecToken: string;
  ekoCallbackToken: string;
}

const token = (bytes = 24) => randomBytes(bytes).toString('base64url');
const digits = (n: number) => Array.from({ length: n }, () => randomInt(10)).join('');

function generate(): ClusterSecrets {
  return {
    postgresPassword: token(),
    encryptionKeys: `cluster:${randomBytes(32).toString('base64')}`,
    eko: { developerKey: token(16), accessKey: token(), initiatorId: `9${digits(9)}`, userCode: digits(8) },
    apiKeys: { service: token(), support: token(), viewer: token() },
    codecToken: token(),
    ekoCallbackToken: token(32),
  };
}

/** The secrets of `dir`, made on first use. */
export function clusterSecrets(dir: string): ClusterSecrets {
  const file = path.join(dir, 'secrets.json');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(file, JSON.stringify(generate(), null, 2), { mode: 0o600 });
  }
  return JSON.parse(fs.readFileSync(file, 'utf8')) as ClusterSecrets;
}

/** REFUND_API_KEYS for the API replicas. */
export const apiKeysEnv = ({ apiKeys }: ClusterSecrets) =>
  `service:service:${apiKeys.service},desk:support:${apiKeys.support},dashboard:viewer:${apiKeys.viewer}`;

/**
 * The simulator's certificate for 127.0.0.1 and localhost, self-signed at first start by openssl;
 * the workers trust it through NODE_EXTRA_CA_CERTS, as they would a private CA.
 */
export function simulatorCertificate(dir: string): TlsFiles & { certFile: string } {
  const keyFile = path.join(dir, 'simulator-key.pem');
  const certFile = path.join(dir, 'simulator-cert.pem');
  if (!fs.existsSync(certFile)) {
    fs.mkdirSync(dir, { recursive: true });
    try {
      execFileSync(
        'openssl',
        [
          ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
          ...['-days', '825', '-subj', '/CN=eko-simulator', '-keyout', keyFile, '-out', certFile],
          ...['-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'],
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
    } catch (err) {
      throw new RunError(`making the simulator's certificate with openssl failed: ${(err as Error).message}`);
    }
    fs.chmodSync(keyFile, 0o600);
  }
  return { key: fs.readFileSync(keyFile, 'utf8'), cert: fs.readFileSync(certFile, 'utf8'), certFile };
}
