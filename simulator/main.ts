import { printSms, seedDemo } from './demo';
import { startSimulator } from './simulator';

/** `npm run simulator`: the Eko simulator on its own, on HOST:PORT (default 127.0.0.1:8080), seeded for a demo. */
async function run(): Promise<void> {
  const port = Number(process.env.PORT ?? 8080);
  const simulator = await startSimulator({ onSms: printSms }, port, process.env.HOST ?? '127.0.0.1');
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
