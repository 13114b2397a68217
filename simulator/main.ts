import { printSms, seedDemo } from './demo';
import { startSimulator } from './simulator';

/**
 * `npm run simulator`: the Eko simulator on its own, on HOST:PORT (default 127.0.0.1:8080), seeded
 * for a demo; EKO_CALLBACK_URL is where its transaction status callbacks go.
 */
async function run(): Promise<void> {
  const port = Number(process.env.PORT ?? 8080);
  const callbackUrl = process.env.EKO_CALLBACK_URL || undefined;
  const simulator = await startSimulator({ onSms: printSms, callbackUrl }, port, process.env.HOST ?? '127.0.0.1');
  seedDemo(simulator);
  console.log(`Eko simulator listening: EKO_BASE_URL=${simulator.baseUrl}`);
  console.log(`Admin: ${simulator.url}/__sim/transactions/<tid>, ${simulator.url}/__sim/sms`);
  const stop = () => void simulator.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

run().catch((err) => {
  console.error(err);
  process.exit(1);
});
