import base from './jest.config.js';

/**
 * The second pass of `npm test`: the store-dependent end-to-end files again, with every event in
 * EventStoreDB (a fresh gRPC double per app, test/support/esdb-double; or the server named by
 * EVENTSTORE_URL). Checkpoints, read models, the audit index and everything else stay in Postgres
 * as in production.
 *
 * Every end-to-end file whose subject goes through the event store runs here: each context's
 * flows (the books, the monitoring month, the agencies, whose placements react to Collection's
 * case events, and the certification lapse, whose reassignments come from the close of a day
 * included), audit, corrections, crash safety, the invariants, row-level access (its grants follow
 * Collection's published case events), the Kafka relay, whole appends (reactions decide on whole
 * appends with one event a batch), and the simulation as a shorter run (its
 * portfolio over 35 days instead of 45, still past the 30-day review cadence; simulation.spec.ts).
 *
 * The first pass only: files whose subject answers before or beside the store. The route x role
 * matrix (access-matrix: the guard refuses before a handler reads or writes), HTTP hardening,
 * request bodies, the shell (validation, problem+json, idempotency, on the test-only tally context,
 * whose store round trips eventstoredb.spec.ts covers), rate limits, OpenAPI, the console, the
 * vault, Kafka's inbound side, startup, the embedded Postgres, the CLI and the docs' quickstart,
 * and readiness's lag gate (on a test projection; eventstoredb.spec.ts checks readiness on the
 * EventStoreDB connection).
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
  'dispatch-gate',
  'early-outreach',
  'kafka-relay',
  'self-service',
  'books',
  'monitoring',
  'agencies',
  'certification-lapse',
  'row-level-access',
  'simulation',
  'whole-appends',
];

export default {
  ...base,
  displayName: 'eventstoredb',
  testMatch: [
    ...EVENTSTORE_E2E.map((name) => `<rootDir>/test/e2e/${name}.spec.ts`),
    // Exactly-once reactions with events in EventStoreDB and the ledger in Postgres, under SIGKILL.
    '<rootDir>/libs/eventstore/test/esdb-reactions-crash.spec.ts',
  ],
  testPathIgnorePatterns: ['/node_modules/'],
  setupFiles: ['<rootDir>/test/support/eventstoredb-pass.js'],
};
