import { ConfigError, type AppConfig } from '#platform';
import type { BrokerSettings, MessagingLog } from './broker.js';

/** Broker connection settings from the app's configuration; null when KAFKA_BROKERS is unset. */
export function kafkaSettings(config: AppConfig, log?: MessagingLog): BrokerSettings | null {
  if (!config.KAFKA_BROKERS?.length) return null;
  if (config.KAFKA_SASL_MECHANISM && !(config.KAFKA_SASL_USERNAME && config.KAFKA_SASL_PASSWORD)) {
    throw new ConfigError(['KAFKA_SASL_USERNAME: KAFKA_SASL_MECHANISM needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD']);
  }
  return {
    brokers: config.KAFKA_BROKERS,
    clientId: config.KAFKA_CLIENT_ID,
    ssl: config.KAFKA_SSL,
    ...(config.KAFKA_SASL_MECHANISM
      ? { sasl: { mechanism: config.KAFKA_SASL_MECHANISM, username: config.KAFKA_SASL_USERNAME!, password: config.KAFKA_SASL_PASSWORD! } }
      : {}),
    idempotent: config.KAFKA_IDEMPOTENT,
    requestTimeoutMs: config.KAFKA_REQUEST_TIMEOUT_MS,
    sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
    ...(log ? { log } : {}),
  };
}
