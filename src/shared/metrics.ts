/** Names of the refund metrics, on the worker's Prometheus endpoint beside the SDK's own. */
export const METRICS = {
  refundsCompleted: 'eko_refunds_completed',
  refundDuration: 'eko_refund_duration',
  otpWait: 'eko_refund_otp_wait',
  polls: 'eko_refund_polls',
  ekoCalls: 'eko_calls',
  ekoCallLatency: 'eko_call_latency',
} as const;
