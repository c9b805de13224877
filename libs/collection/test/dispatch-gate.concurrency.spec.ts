import { AggregateRepository, PostgresEventStore } from '#eventstore';
import { isDomainError } from '#kernel';
import { testDatabase, type TestDatabase } from '#test-support/database.js';
import { DEBTOR_LEDGER_RETRIES } from '../src/application/collection-store.js';
import { DEFAULT_CONTACT_RULES, debtorDecider, type ContactRules, type DispatchableAction } from '../src/domain/index.js';

/**
 * The gate's rule lives on the debtor's ledger stream: releases race there, appended at the
 * ledger's revision. Eight call actions of one debtor, from four cases, judged at once by two
 * "processes" (two repositories with their own caches) under a one-call-a-day rule: exactly one
 * is released, the others are rescheduled to the next day.
 */
describe('the dispatch gate under concurrency', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;

  beforeAll(async () => {
    db = await testDatabase();
    store = new PostgresEventStore(db.pool, { pollIntervalMs: 50 });
  });
  afterAll(async () => {
    await store?.close();
    await db?.close();
  });

  it('releases one call of the day to one debtor however many cases race for it', async () => {
    const rules: ContactRules = { ...DEFAULT_CONTACT_RULES, version: 'one-call', voice: { ...DEFAULT_CONTACT_RULES.voice, maxEffectiveCallsPerDay: 1 } };
    const repositories = [0, 1].map(() => new AggregateRepository(store, debtorDecider, { maxRetries: DEBTOR_LEDGER_RETRIES }));
    const action = (i: number): DispatchableAction => ({
      caseId: `L${i % 4}-E1`,
      actionId: `L${i % 4}-E1/plan/call-${i}`,
      loanId: `L${i % 4}`,
      customerId: 'cust-race',
      planId: 'plan',
      stepId: `call-${i}`,
      channel: 'CALL',
      purpose: 'NEGOTIATION',
      templateId: 'script',
      requiredCertification: null,
      priority: 1,
      performer: 'COLLECTOR',
      collectorId: `col-${i % 4}`,
      dueOn: '2026-03-02',
      dpd: 1,
      installmentDueDate: null,
      strategy: null,
      supersedes: [],
    });
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        repositories[i % 2].handle(
          'collection.debtor-cust-race',
          {
            type: 'ReleaseAction',
            data: {
              customerId: 'cust-race',
              timeZone: 'Asia/Shanghai',
              action: action(i),
              at: '2026-03-03T01:00:00Z',
              caseFacts: { status: 'open', holds: {} },
              rules,
            },
          },
          {
            command: 'ReleaseAction',
            actor: { id: 'collection', role: 'system' },
            occurredAt: '2026-03-03',
            correlationId: `c-${i}`,
            causationId: `c-${i}`,
            idempotencyKey: `release-${i}`,
          },
        ),
      ),
    );
    expect(results.filter(isDomainError)).toEqual([]);
    const ledger = await store.readStream('collection.debtor-cust-race');
    expect(ledger.map((e) => e.revision)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const released = ledger.filter((e) => e.type === 'ActionReleased');
    const rescheduled = ledger.filter((e) => e.type === 'ActionRescheduled').map((e) => (e.data as { code: string }).code);
    expect(released).toHaveLength(1);
    expect(rescheduled).toEqual(Array.from({ length: 7 }, () => 'CONTACT_DAILY_CALL_LIMIT'));
  });
});
