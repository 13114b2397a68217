#!/bin/sh
# One-shot, from the temporalio/admin-tools image, once the server is up: creates the namespace
# when it is missing and registers the refund workflow's search attributes (src/contract/names.ts:
# the phase and tid, and what a running refund's state is read from). Safe to run on every `up`.
# The worker checks them again at start-up.
set -eu

ADDRESS="${TEMPORAL_ADDRESS:-temporal:7233}"
NAMESPACE="${TEMPORAL_NAMESPACE:-default}"
RETENTION="${TEMPORAL_NAMESPACE_RETENTION:-720h}"

# Retries a command up to 30 times, 2 s apart (the server may still be starting, and a namespace
# just created takes a few seconds to reach every service).
retry() {
  attempt=1
  until "$@"; do
    if [ "$attempt" -ge 30 ]; then
      echo "Giving up: $*" >&2
      return 1
    fi
    attempt=$((attempt + 1))
    sleep 2
  done
}

echo "Waiting for Temporal at $ADDRESS..."
retry temporal operator cluster health --address "$ADDRESS"

if temporal operator namespace describe --namespace "$NAMESPACE" --address "$ADDRESS" >/dev/null 2>&1; then
  echo "Namespace $NAMESPACE exists."
else
  retry temporal operator namespace create --namespace "$NAMESPACE" --retention "$RETENTION" --address "$ADDRESS"
fi

# One attribute per call: given several --name flags and one --type, CLI 1.9 registers only the
# first. Creating an attribute that exists with the same type succeeds.
for attribute in RefundPhase:Keyword EkoTid:Keyword RefundReason:Keyword RefundEkoMessage:Keyword \
  RefundAmount:Keyword RefundRequester:Keyword \
  RefundOtpAttemptsLeft:Int RefundWrongOtps:Int RefundResends:Int \
  RefundOtpDeadline:Datetime RefundResendAllowedAt:Datetime RefundUpdatedAt:Datetime; do
  retry temporal operator search-attribute create --namespace "$NAMESPACE" --name "${attribute%%:*}" \
    --type "${attribute##*:}" --address "$ADDRESS"
done

echo "Namespace $NAMESPACE is ready for refunds."
