import { z } from 'zod';
import type { ConfigPatch } from './config';
import { type Reply, json } from './envelope';
import type { FaultInput } from './faults';
import { parseJsonObject } from './router';
import type { SeedInput } from './seed';
import type { EkoSimulator } from './simulator';

const OK = json(200, { ok: true });

/**
 * The admin surface under `/__sim/`: the same operations as the simulator's in-process methods,
 * for a simulator in another process (`npm run simulator`, the docker-compose `local` profile).
 */
export function createAdmin(sim: EkoSimulator) {
  return (method: string, url: URL, body: string): Reply => {
    const [resource, id, action] = url.pathname.split('/').filter(Boolean).slice(1); // drop "__sim"
    const input = () => {
      const parsed = parseJsonObject(body);
      if (!parsed) throw new BadInput('body must be a JSON object');
      return parsed;
    };
    try {
      if (resource === 'transactions' && !id && method === 'POST') return json(201, sim.seed(input() as SeedInput));
      if (resource === 'transactions' && id && !action && method === 'GET') {
        const tx = sim.transaction(id);
        return tx ? json(200, tx) : json(404, { error: `no transaction ${id}` });
      }
      if (resource === 'transactions' && id && action === 'expire-otp' && method === 'POST') {
        sim.expireOtp(id);
        return OK;
      }
      if (resource === 'transactions' && id && action === 'fail' && method === 'POST') {
        if (!sim.transaction(id)) return json(404, { error: `no transaction ${id}` });
        try {
          return json(200, sim.fail(id));
        } catch (err) {
          return json(409, { error: (err as Error).message });
        }
      }
      if (resource === 'callbacks' && method === 'GET') {
        return json(200, sim.callbacks(url.searchParams.get('tid') ?? undefined));
      }
      if (resource === 'sms' && method === 'GET') return json(200, sim.sms(url.searchParams.get('tid') ?? undefined));
      if (resource === 'faults' && method === 'POST') return json(201, sim.injectFault(input() as FaultInput));
      if (resource === 'faults' && method === 'GET') return json(200, sim.faults());
      if (resource === 'faults' && method === 'DELETE') {
        sim.clearFaults();
        return OK;
      }
      if (resource === 'config' && method === 'PATCH') {
        sim.configure(input() as ConfigPatch);
        return OK;
      }
      if (resource === 'reset' && method === 'POST') {
        sim.reset();
        return OK;
      }
      return json(404, { error: `no admin route ${method} ${url.pathname}` });
    } catch (err) {
      if (err instanceof BadInput) return json(400, { error: err.message });
      if (err instanceof z.ZodError) {
        return json(400, { error: err.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') });
      }
      throw err;
    }
  };
}

class BadInput extends Error {}
