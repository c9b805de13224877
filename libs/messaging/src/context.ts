import type { DynamicModule, Type } from '@nestjs/common';
import type { Projection } from '#projections';
import type { AggregateRegistration, MigrationClass } from '#platform';
import type { IntegrationMapper } from './integration.js';
import type { InboundRegistration } from './inbound.js';

/** A bounded context as the app composes it. */
export interface ContextRegistration {
  readonly name: string;
  readonly module: Type | DynamicModule;
  readonly projections: readonly Projection[];
  readonly migrations: readonly MigrationClass[];
  /** Domain events this context publishes to Kafka, each mapped to its public contract . */
  readonly integrationEvents?: readonly IntegrationMapper[];
  /** Kafka topics this context consumes, each with the handler that turns a message into a command. */
  readonly inbound?: readonly InboundRegistration[];
  /** Aggregates whose past states the audit context can rebuild. */
  readonly aggregates?: readonly AggregateRegistration[];
}
