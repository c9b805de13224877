export * from './event-store.js';
export * from './aggregate-repository.js';
export * from './polling-subscription.js';
export * from './pg/postgres-event-store.js';
export * from './pg/schema.js';
export * from './esdb/eventstoredb-event-store.js';
