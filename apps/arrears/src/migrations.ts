import { EventStoreSchema1732838400000 } from '#eventstore';
import { ProjectionsSchema1732838400001, ReactionLedgerSchema1732838400003, ReactionTriggersSchema1732838400005 } from '#projections';
import { HttpIdempotencyInFlight1732838400004, HttpIdempotencySchema1732838400002, HttpRateLimitsSchema1732838400010, type MigrationClass } from '#platform';
import { MessagingSchema1732838400100 } from '#messaging';
import { CONTEXTS } from './contexts.js';

/** Every schema migration of the app, in order: the core's, then each context's. */
export const ALL_MIGRATIONS: readonly MigrationClass[] = [
  EventStoreSchema1732838400000,
  ProjectionsSchema1732838400001,
  HttpIdempotencySchema1732838400002,
  ReactionLedgerSchema1732838400003,
  HttpIdempotencyInFlight1732838400004,
  ReactionTriggersSchema1732838400005,
  HttpRateLimitsSchema1732838400010,
  MessagingSchema1732838400100,
  ...CONTEXTS.flatMap((c) => c.migrations),
];
