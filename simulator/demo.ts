import { TxStatus } from '../src/eko/answers';
import type { EkoSimulator } from './simulator';
import type { SmsMessage } from './model';

/** A few refund-pending transactions for the demo stack, one of each interesting kind. */
export const DEMO_TRANSACTIONS = [
  { tid: '1000000001', amount: '5000.00', fee: '50.00' },
  { tid: '1000000002', amount: '1200.00', fee: '12.00' },
  // Eko answers "refund initiated" and settles to refunded after two inquiries.
  { tid: '1000000003', amount: '750.00', fee: '7.50', refundMode: 'pending' as const, refundPendingInquiries: 2 },
];

/** A live transaction: `POST /__sim/transactions/<tid>/fail` fails it, and Eko's callback starts its refund. */
export const DEMO_LIVE_TID = '1000000004';

export function seedDemo(simulator: EkoSimulator): void {
  for (const tx of DEMO_TRANSACTIONS) simulator.seed(tx);
  simulator.seed({ tid: DEMO_LIVE_TID, txStatus: TxStatus.Initiated, amount: '2500.00', fee: '25.00' });
}

/** Prints an SMS the way it would show on the customer's phone. */
export function printSms(sms: SmsMessage): void {
  const time = new Date(sms.atMs).toLocaleTimeString();
  console.log(`\n  📱 SMS to ${sms.to} at ${time}\n     ${sms.text}\n`);
}
