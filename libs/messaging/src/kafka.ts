import type { Broker, BrokerSettings } from './broker.js';

/**
 * The Kafka broker (kafkajs), loaded on first use: processes without KAFKA_BROKERS never load the
 * client library.
 */
export async function kafkaBroker(settings: BrokerSettings): Promise<Broker> {
  const { KafkaJsBroker } = await import('./kafkajs-broker.js');
  return new KafkaJsBroker(settings);
}
