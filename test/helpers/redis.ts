// A private Redis (Debian's redis-server) on a free port of 127.0.0.1, nothing saved to disk.
import Redis from 'ioredis';
import { freePort, spawnChild, stopChild } from '../../tools/children';
import { waitFor } from './wait';

export interface TestRedis {
  url: string;
  /** A new client of it (each API replica has its own). */
  client(): Redis;
  stop(): Promise<void>;
}

export async function startRedis(): Promise<TestRedis> {
  const port = await freePort();
  const child = spawnChild(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  const url = `redis://127.0.0.1:${port}`;
  const clients: Redis[] = [];
  const client = () => {
    const redis = new Redis(url, { maxRetriesPerRequest: 1 });
    redis.on('error', () => undefined); // a test that stops Redis asserts what the API does then
    clients.push(redis);
    return redis;
  };
  const probe = client();
  await waitFor(
    'redis-server answering',
    () => probe.ping().catch(() => undefined),
    (pong) => pong === 'PONG',
  );
  return {
    url,
    client,
    async stop() {
      for (const redis of clients) redis.disconnect();
      await stopChild(child);
    },
  };
}
