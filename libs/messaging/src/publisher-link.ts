import type { Broker, Publisher, TopicBatch } from './broker.js';

/**
 * A producer connected on first use. After a failed send it is dropped and a fresh one is made
 * for the next attempt: a client whose connection failed during an outage can stay broken after
 * the broker is back.
 */
export class PublisherLink {
  private current: Promise<Publisher> | undefined;

  constructor(private readonly broker: Broker) {}

  async send(batches: readonly TopicBatch[]): Promise<void> {
    const pending = (this.current ??= this.open());
    try {
      await (await pending).send(batches);
    } catch (err) {
      if (this.current === pending) await this.close();
      throw err;
    }
  }

  async close(): Promise<void> {
    const pending = this.current;
    this.current = undefined;
    const publisher = await pending?.catch(() => undefined);
    await publisher?.disconnect().catch(() => undefined);
  }

  private async open(): Promise<Publisher> {
    const publisher = this.broker.publisher();
    try {
      await publisher.connect();
      return publisher;
    } catch (err) {
      await publisher.disconnect().catch(() => undefined);
      throw err;
    }
  }
}
