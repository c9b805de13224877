#!/usr/bin/env bash
# Creates the Kafka topics Arrears publishes to and consumes from (docs/asyncapi.yaml). Run it
# once before the first deployment, and again after a release that adds a topic: it only creates
# topics that do not exist and never changes existing ones. The relay does not create topics.
#
#   KAFKA_BOOTSTRAP=kafka-1:9092,kafka-2:9092 deploy/kafka-topics.sh
#
# Settings (environment):
#   KAFKA_BOOTSTRAP            brokers, host:port[,host:port...] (or KAFKA_BROKERS, as the app)
#   KAFKA_TOPICS_BIN           Kafka's kafka-topics.sh (default: on PATH, else /opt/kafka/bin)
#   KAFKA_COMMAND_CONFIG       client properties file for TLS/SASL (passed as --command-config)
#   KAFKA_REPLICATION_FACTOR   default: 3, or the number of brokers when the cluster has fewer
#   KAFKA_PARTITIONS           partitions of the event and inbound topics (default 12)
#   DRY_RUN=1                  print the commands instead of running them
set -euo pipefail

BOOTSTRAP="${KAFKA_BOOTSTRAP:-${KAFKA_BROKERS:-}}"
if [[ -z "$BOOTSTRAP" ]]; then
  echo "kafka-topics: set KAFKA_BOOTSTRAP (host:port[,host:port...])" >&2
  exit 2
fi

BIN="${KAFKA_TOPICS_BIN:-}"
if [[ -z "$BIN" ]]; then
  if command -v kafka-topics.sh >/dev/null 2>&1; then BIN="$(command -v kafka-topics.sh)"; else BIN=/opt/kafka/bin/kafka-topics.sh; fi
fi
BIN_DIR="$(dirname "$BIN")"
CONFIG_ARGS=()
if [[ -n "${KAFKA_COMMAND_CONFIG:-}" ]]; then CONFIG_ARGS=(--command-config "$KAFKA_COMMAND_CONFIG"); fi

run() {
  if [[ "${DRY_RUN:-0}" == "1" ]]; then echo "$*"; else "$@"; fi
}

# The cluster may still be starting (compose, CI): wait until it answers.
if [[ "${DRY_RUN:-0}" != "1" ]]; then
  for attempt in $(seq 1 30); do
    if "$BIN" --bootstrap-server "$BOOTSTRAP" "${CONFIG_ARGS[@]}" --list >/dev/null 2>&1; then break; fi
    if [[ "$attempt" == 30 ]]; then echo "kafka-topics: no answer from $BOOTSTRAP" >&2; exit 1; fi
    sleep 2
  done
fi

REPLICATION="${KAFKA_REPLICATION_FACTOR:-}"
if [[ -z "$REPLICATION" ]]; then
  BROKERS=3
  if [[ "${DRY_RUN:-0}" != "1" && -x "$BIN_DIR/kafka-broker-api-versions.sh" ]]; then
    BROKERS="$("$BIN_DIR/kafka-broker-api-versions.sh" --bootstrap-server "$BOOTSTRAP" "${CONFIG_ARGS[@]}" 2>/dev/null | grep -c '(id: ' || true)"
    if [[ "$BROKERS" -lt 1 ]]; then echo "kafka-topics: cannot count the brokers; set KAFKA_REPLICATION_FACTOR" >&2; exit 1; fi
  fi
  REPLICATION=$(( BROKERS < 3 ? BROKERS : 3 ))
fi
MIN_ISR=$(( REPLICATION < 2 ? 1 : 2 ))
PARTITIONS="${KAFKA_PARTITIONS:-12}"

# topic  partitions  retention (ms)
DAY=86400000
TOPICS=(
  # Published by the relay: one topic per context, CloudEvents keyed by aggregate id.
  "arrears.loans.v1           $PARTITIONS $((30 * DAY))"
  "arrears.grading.v1         $PARTITIONS $((30 * DAY))"
  "arrears.collection.v1      $PARTITIONS $((30 * DAY))"
  "arrears.restructuring.v1   $PARTITIONS $((30 * DAY))"
  "arrears.monitoring.v1      $PARTITIONS $((30 * DAY))"
  "arrears.agencies.v1        $PARTITIONS $((30 * DAY))"
  "arrears.selfservice.v1     $PARTITIONS $((30 * DAY))"
  "arrears.channel-actions.v1 $PARTITIONS $((30 * DAY))"
  # Consumed by Arrears (their producers may create them first; then nothing happens here).
  "core-banking.loans.v1        $PARTITIONS $((30 * DAY))"
  "arrears.channel-outcomes.v1  $PARTITIONS $((30 * DAY))"
  "arrears.agency-outcomes.v1   $PARTITIONS $((30 * DAY))"
  # Dead letters of the inbound topics: kept longer, for investigation and replay.
  "core-banking.loans.v1.dlq       3 $((90 * DAY))"
  "arrears.channel-outcomes.v1.dlq 3 $((90 * DAY))"
  "arrears.agency-outcomes.v1.dlq  3 $((90 * DAY))"
)

for entry in "${TOPICS[@]}"; do
  read -r topic partitions retention <<<"$entry"
  run "$BIN" --bootstrap-server "$BOOTSTRAP" "${CONFIG_ARGS[@]}" --create --if-not-exists \
    --topic "$topic" --partitions "$partitions" --replication-factor "$REPLICATION" \
    --config cleanup.policy=delete --config retention.ms="$retention" --config min.insync.replicas="$MIN_ISR"
done
echo "kafka-topics: ${#TOPICS[@]} topics present on $BOOTSTRAP (replication $REPLICATION, min.insync.replicas $MIN_ISR)"
