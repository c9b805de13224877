import { EventStoreSchema1732838400000 } from '#eventstore';
import { ProjectionsSchema1732838400001 } from '#projections';
import type { MigrationClass } from '#platform';

/** Every schema migration of the app, in order. Contexts add theirs here. */
export const ALL_MIGRATIONS: readonly MigrationClass[] = [EventStoreSchema1732838400000, ProjectionsSchema1732838400001];
