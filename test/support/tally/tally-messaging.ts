/**
 * Kafka for the test-only tally context: its integration events (`arrears.tally.v1`) and an
 * inbound topic of commands (`tally.commands.v1`), registered the way a real context registers
 * its mappers and handlers. Described in test/support/kafka/tally.asyncapi.yaml.
 */
import { Inject, Injectable, Module } from '@nestjs/common';
import { z } from 'zod';
import { isDomainError } from '#kernel';
import { AggregateRepository, EVENT_STORE, type EventStore } from '#eventstore';
import { fields } from '#platform';
import { rejected, rejectedBy, type InboundHandler, type InboundMessage, type InboundOutcome, type ContextRegistration } from '#messaging';
import { tallyIntegrationEvents } from './tally-integration.js';
import { tallyDecider } from './tally.js';

export { TALLY_TOPIC, tallyIntegrationEvents } from './tally-integration.js';
export const TALLY_COMMANDS_TOPIC = 'tally.commands.v1';
export const ADD_AMOUNT_TYPE = 'tally.commands.AddAmount';

const repositoryFor = (store: EventStore) => new AggregateRepository(store, tallyDecider);

const AddAmountData = z.strictObject({ tallyId: fields.id, amount: fields.positiveFen });

/** `tally.commands.AddAmount` messages become AddAmount commands, the message id as idempotency key. */
@Injectable()
export class TallyCommandsHandler implements InboundHandler {
  private readonly repository: ReturnType<typeof repositoryFor>;

  constructor(@Inject(EVENT_STORE) store: EventStore) {
    this.repository = repositoryFor(store);
  }

  async handle(message: InboundMessage): Promise<InboundOutcome> {
    if (message.type !== undefined && message.type !== ADD_AMOUNT_TYPE) return rejected('UNKNOWN_MESSAGE_TYPE', `no command for message type ${message.type}`);
    const parsed = AddAmountData.safeParse(message.data);
    if (!parsed.success) {
      return rejected('VALIDATION_FAILED', 'the message data does not match tally.commands.AddAmount', {
        errors: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
      });
    }
    const { tallyId, amount } = parsed.data;
    const result = await this.repository.handle(
      `tally.tally-${tallyId}`,
      { type: 'Add', tallyId, amount },
      {
        command: 'AddAmount',
        actor: { id: `kafka:${message.topic}`, role: 'system' },
        occurredAt: message.time ?? new Date().toISOString(),
        correlationId: message.correlationId ?? message.id,
        causationId: message.id,
        idempotencyKey: message.id,
        extra: { via: 'kafka', topic: message.topic },
      },
    );
    return isDomainError(result) ? rejectedBy(result) : 'ok';
  }
}

@Module({ providers: [TallyCommandsHandler] })
class TallyMessagingModule {}

export const tallyMessagingContext: ContextRegistration = {
  name: 'tally-messaging',
  module: TallyMessagingModule,
  projections: [],
  migrations: [],
  integrationEvents: tallyIntegrationEvents,
  inbound: [{ topic: TALLY_COMMANDS_TOPIC, handler: TallyCommandsHandler }],
};
