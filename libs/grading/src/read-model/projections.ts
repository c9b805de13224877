import type { RecordedEvent } from '#kernel';
import { bulkUpsert, type Projection, type ProjectionContext } from '#projections';
import { evolveCustomer, initialCustomerState, type CustomerEvent, type CustomerGraded, type CustomerState } from '../domain/customer.js';
import { loanClassificationDecider, type LoanClassified, type LoanClassificationState } from '../domain/loan-classification.js';
import type { ActiveRecord } from '../domain/registry.js';
import {
  ACTIVATIONS_TABLE,
  CUSTOMERS_TABLE,
  HISTORY_TABLE,
  LOAN_CLASSES_TABLE,
  LOAN_CLASS_HISTORY_TABLE,
  MOVES_TABLE,
  POLICY_VERSIONS_TABLE,
} from './tables.js';

/**
 * Customers: the current state of each customer's stream (the decider's own state, with its
 * revision, so portfolio runs can decide without reading streams), the history of grades with
 * their factor contributions, and the daily grade moves behind the distribution over time.
 */
export const customersProjection: Projection = {
  name: 'grading_customers',
  version: 1,
  filter: {
    streamPrefixes: ['grading.customer-'],
    eventTypes: ['CustomerProfileUpdated', 'PromiseOutcomeRecorded', 'PromiseOutcomeWithdrawn', 'RestructuringStatusRecorded', 'CustomerGraded'],
  },
  tables: {
    [CUSTOMERS_TABLE]: `
      CREATE TABLE {table} (
        customer_id    text COLLATE "C" PRIMARY KEY,
        revision       integer NOT NULL,
        state          jsonb NOT NULL,
        grade          text,
        score          integer,
        policy_id      text,
        policy_version integer,
        graded_on      text,
        updated_at     text NOT NULL
      );
      CREATE INDEX {table}_grade ON {table} (grade, customer_id);`,
    [HISTORY_TABLE]: `
      CREATE TABLE {table} (
        event_id         text PRIMARY KEY,
        customer_id      text COLLATE "C" NOT NULL,
        revision         integer NOT NULL,
        grade            text NOT NULL,
        previous_grade   text,
        score            integer,
        factors          jsonb NOT NULL,
        override         jsonb,
        policy_id        text NOT NULL,
        policy_version   integer NOT NULL,
        as_of            text NOT NULL,
        trigger_event_id text NOT NULL,
        trigger_type     text NOT NULL,
        recorded_at      text NOT NULL
      );
      CREATE INDEX {table}_customer ON {table} (customer_id, revision);`,
    [MOVES_TABLE]: `
      CREATE TABLE {table} (
        as_of text NOT NULL,
        grade text NOT NULL,
        delta integer NOT NULL,
        PRIMARY KEY (as_of, grade)
      );`,
  },
  async apply(ctx: ProjectionContext, events: readonly RecordedEvent[]) {
    const table = ctx.table(CUSTOMERS_TABLE);
    const ids = [...new Set(events.map((e) => (e.data as { customerId: string }).customerId))];
    const { rows } = await ctx.query<{ customer_id: string; revision: number; state: CustomerState }>(
      `SELECT customer_id, revision, state FROM ${table} WHERE customer_id = ANY ($1::text[])`,
      [ids],
    );
    const current = new Map(rows.map((r) => [r.customer_id, { revision: Number(r.revision), state: r.state, updatedAt: '' }]));
    const history: Record<string, unknown>[] = [];
    const moves = new Map<string, number>();
    const move = (asOf: string, grade: string, delta: number) => moves.set(`${asOf}|${grade}`, (moves.get(`${asOf}|${grade}`) ?? 0) + delta);
    for (const event of events) {
      const id = (event.data as { customerId: string }).customerId;
      const row = current.get(id) ?? { revision: -1, state: initialCustomerState(), updatedAt: '' };
      if (event.revision <= row.revision) continue;
      if (event.type === 'CustomerGraded') {
        const d = (event as unknown as CustomerGraded).data;
        history.push({
          event_id: event.eventId,
          customer_id: d.customerId,
          revision: event.revision,
          grade: d.grade,
          previous_grade: d.previousGrade,
          score: d.score,
          factors: d.factors,
          override: d.override,
          policy_id: d.policyId,
          policy_version: d.policyVersion,
          as_of: d.asOf,
          trigger_event_id: d.triggerEventId,
          trigger_type: d.triggerType,
          recorded_at: event.recordedAt,
        });
        move(d.asOf, d.grade, 1);
        if (row.state.graded) move(d.asOf, row.state.graded.grade, -1);
      }
      current.set(id, { revision: event.revision, state: evolveCustomer(row.state, event as unknown as CustomerEvent), updatedAt: event.recordedAt });
    }
    const upserts = [...current.entries()]
      .filter(([, r]) => r.updatedAt !== '')
      .map(([customerId, r]) => ({
        customer_id: customerId,
        revision: r.revision,
        state: r.state,
        grade: r.state.graded?.grade ?? null,
        score: r.state.graded?.score ?? null,
        policy_id: r.state.graded?.policyId ?? null,
        policy_version: r.state.graded?.policyVersion ?? null,
        graded_on: r.state.graded?.asOf ?? null,
        updated_at: r.updatedAt,
      }));
    await bulkUpsert(ctx, table, upserts, ['customer_id']);
    await bulkUpsert(ctx, ctx.table(HISTORY_TABLE), history, ['event_id']);
    const moveRows = [...moves.entries()]
      .filter(([, delta]) => delta !== 0)
      .map(([key, delta]) => {
        const [asOf, grade] = key.split('|');
        return { as_of: asOf, grade, delta };
      });
    if (moveRows.length) {
      const moveTable = ctx.table(MOVES_TABLE);
      await ctx.query(
        `INSERT INTO ${moveTable} AS m (as_of, grade, delta) SELECT * FROM unnest($1::text[], $2::text[], $3::int[])
         ON CONFLICT (as_of, grade) DO UPDATE SET delta = m.delta + EXCLUDED.delta`,
        [moveRows.map((r) => r.as_of), moveRows.map((r) => r.grade), moveRows.map((r) => r.delta)],
      );
      // Moves that cancel out across batches (a grade given and taken back the same day, say by a
      // correction) leave no row, as when one batch holds both: the table does not depend on batching.
      await ctx.query(
        `DELETE FROM ${moveTable} m USING unnest($1::text[], $2::text[]) AS k(as_of, grade) WHERE m.as_of = k.as_of AND m.grade = k.grade AND m.delta = 0`,
        [moveRows.map((r) => r.as_of), moveRows.map((r) => r.grade)],
      );
    }
  },
};

type Kind = 'policy' | 'rules';
const LIFECYCLE: Record<string, { kind: Kind; step: 'proposed' | 'rejected' | 'approved' | 'activated' | 'retired' }> = {
  PolicyDraftProposed: { kind: 'policy', step: 'proposed' },
  PolicyDraftRejected: { kind: 'policy', step: 'rejected' },
  PolicyApproved: { kind: 'policy', step: 'approved' },
  PolicyActivated: { kind: 'policy', step: 'activated' },
  PolicyRetired: { kind: 'policy', step: 'retired' },
  ClassificationRulesProposed: { kind: 'rules', step: 'proposed' },
  ClassificationRulesRejected: { kind: 'rules', step: 'rejected' },
  ClassificationRulesApproved: { kind: 'rules', step: 'approved' },
  ClassificationRulesActivated: { kind: 'rules', step: 'activated' },
  ClassificationRulesRetired: { kind: 'rules', step: 'retired' },
};

/**
 * Policies and classification rules: every version with its status and who did what, and every
 * change of what is in force (from the registries).
 */

/** The fields of the policy and rules lifecycle events (and the registries' pointer moves) the versions view reads. */
interface LifecycleEventData {
  readonly policyId?: string;
  readonly rulesetId?: string;
  readonly version: number;
  readonly document?: unknown;
  readonly reason?: string | null;
  readonly comment?: string | null;
  readonly proposedBy?: string;
  readonly proposedOn?: string;
  readonly approvedBy?: string;
  readonly rejectedBy?: string;
  readonly effectiveFrom?: string;
  readonly retiredOn?: string;
  readonly supersededBy?: unknown;
  readonly active?: ActiveRecord | null;
  readonly previous?: ActiveRecord | null;
}
export const policiesProjection: Projection = {
  name: 'grading_policies',
  version: 1,
  filter: {
    streamPrefixes: ['grading.policy-', 'grading.ruleset-', 'grading.policies-registry', 'grading.rulesets-registry'],
    eventTypes: [...Object.keys(LIFECYCLE), 'ActivePolicyChanged', 'ActiveClassificationRulesChanged'],
  },
  tables: {
    [POLICY_VERSIONS_TABLE]: `
      CREATE TABLE {table} (
        kind           text NOT NULL,
        id             text COLLATE "C" NOT NULL,
        version        integer NOT NULL,
        status         text NOT NULL,
        document       jsonb NOT NULL,
        reason         text NOT NULL,
        proposed_by    text NOT NULL,
        proposed_on    text NOT NULL,
        proposed_at    text NOT NULL,
        reviewed_by    text,
        review_note    text,
        effective_from text,
        retired_on     text,
        retired_reason text,
        superseded_by  jsonb,
        updated_at     text NOT NULL,
        PRIMARY KEY (kind, id, version)
      );`,
    [ACTIVATIONS_TABLE]: `
      CREATE TABLE {table} (
        event_id       text PRIMARY KEY,
        kind           text NOT NULL,
        seq            integer NOT NULL,
        active_id      text,
        active_version integer,
        effective_from text,
        previous       jsonb,
        activated_by   text NOT NULL,
        recorded_at    text NOT NULL,
        UNIQUE (kind, seq)
      );`,
  },
  async apply(ctx, events) {
    const versions = ctx.table(POLICY_VERSIONS_TABLE);
    for (const event of events) {
      const data = event.data as LifecycleEventData;
      if (event.type === 'ActivePolicyChanged' || event.type === 'ActiveClassificationRulesChanged') {
        const kind: Kind = event.type === 'ActivePolicyChanged' ? 'policy' : 'rules';
        const idField = kind === 'policy' ? 'policyId' : 'rulesetId';
        await ctx.query(
          `INSERT INTO ${ctx.table(ACTIVATIONS_TABLE)} (event_id, kind, seq, active_id, active_version, effective_from, previous, activated_by, recorded_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (event_id) DO NOTHING`,
          [
            event.eventId,
            kind,
            event.revision,
            data.active?.[idField] ?? null,
            data.active?.version ?? null,
            data.active?.effectiveFrom ?? null,
            JSON.stringify(data.previous),
            event.metadata.actor.id,
            event.recordedAt,
          ],
        );
        continue;
      }
      const step = LIFECYCLE[event.type];
      if (!step) continue;
      const id = step.kind === 'policy' ? data.policyId : data.rulesetId;
      switch (step.step) {
        case 'proposed':
          // A new draft replaces the earlier one under review.
          await ctx.query(
            `UPDATE ${versions} SET status = 'replaced', updated_at = $4 WHERE kind = $1 AND id = $2 AND version < $3 AND status IN ('draft', 'rejected')`,
            [step.kind, id, data.version, event.recordedAt],
          );
          await bulkUpsert(
            ctx,
            versions,
            [
              {
                kind: step.kind,
                id,
                version: data.version,
                status: 'draft',
                document: data.document,
                reason: data.reason,
                proposed_by: data.proposedBy,
                proposed_on: data.proposedOn,
                proposed_at: event.recordedAt,
                updated_at: event.recordedAt,
              },
            ],
            ['kind', 'id', 'version'],
          );
          break;
        case 'rejected':
        case 'approved':
          await ctx.query(
            `UPDATE ${versions} SET status = $4, reviewed_by = $5, review_note = $6, updated_at = $7 WHERE kind = $1 AND id = $2 AND version = $3`,
            [
              step.kind,
              id,
              data.version,
              step.step,
              step.step === 'approved' ? data.approvedBy : data.rejectedBy,
              step.step === 'approved' ? data.comment : data.reason,
              event.recordedAt,
            ],
          );
          break;
        case 'activated':
          await ctx.query(`UPDATE ${versions} SET status = 'active', effective_from = $4, updated_at = $5 WHERE kind = $1 AND id = $2 AND version = $3`, [
            step.kind,
            id,
            data.version,
            data.effectiveFrom,
            event.recordedAt,
          ]);
          break;
        case 'retired':
          await ctx.query(
            `UPDATE ${versions} SET status = 'retired', retired_on = $4, retired_reason = $5, superseded_by = $6, updated_at = $7 WHERE kind = $1 AND id = $2 AND version = $3`,
            [step.kind, id, data.version, data.retiredOn, data.reason, JSON.stringify(data.supersededBy), event.recordedAt],
          );
          break;
      }
    }
  },
};

/** Loan classifications: the current category of each loan (with the decider's state) and its history. */
export const loanClassesProjection: Projection = {
  name: 'grading_loan_classes',
  version: 1,
  filter: { streamPrefixes: ['grading.loan-'], eventTypes: ['LoanClassified'] },
  tables: {
    [LOAN_CLASSES_TABLE]: `
      CREATE TABLE {table} (
        loan_id       text COLLATE "C" PRIMARY KEY,
        customer_id   text COLLATE "C" NOT NULL,
        revision      integer NOT NULL,
        state         jsonb NOT NULL,
        category      text NOT NULL,
        previous      text,
        rule          text NOT NULL,
        rules_version text NOT NULL,
        dpd           integer NOT NULL,
        observation   jsonb,
        as_of         text NOT NULL,
        updated_at    text NOT NULL
      );
      CREATE INDEX {table}_category ON {table} (category, loan_id);
      CREATE INDEX {table}_customer ON {table} (customer_id);`,
    [LOAN_CLASS_HISTORY_TABLE]: `
      CREATE TABLE {table} (
        event_id         text PRIMARY KEY,
        loan_id          text COLLATE "C" NOT NULL,
        revision         integer NOT NULL,
        category         text NOT NULL,
        previous         text,
        rule             text NOT NULL,
        rules_version    text NOT NULL,
        dpd              integer NOT NULL,
        as_of            text NOT NULL,
        trigger_event_id text NOT NULL,
        trigger_type     text NOT NULL,
        recorded_at      text NOT NULL
      );
      CREATE INDEX {table}_loan ON {table} (loan_id, revision);`,
  },
  async apply(ctx, events) {
    const table = ctx.table(LOAN_CLASSES_TABLE);
    const ids = [...new Set(events.map((e) => (e.data as LoanClassified['data']).loanId))];
    const { rows } = await ctx.query<{ loan_id: string; revision: number; state: LoanClassificationState }>(
      `SELECT loan_id, revision, state FROM ${table} WHERE loan_id = ANY ($1::text[])`,
      [ids],
    );
    const current = new Map(rows.map((r) => [r.loan_id, { revision: Number(r.revision), state: r.state }]));
    const latest = new Map<string, { event: RecordedEvent; revision: number; state: LoanClassificationState }>();
    const history: Record<string, unknown>[] = [];
    for (const event of events) {
      const d = (event as unknown as LoanClassified).data;
      const row = latest.get(d.loanId) ?? current.get(d.loanId) ?? { revision: -1, state: loanClassificationDecider.initialState() };
      if (event.revision <= row.revision) continue;
      const state = loanClassificationDecider.evolve(row.state, event as unknown as LoanClassified);
      latest.set(d.loanId, { event, revision: event.revision, state });
      history.push({
        event_id: event.eventId,
        loan_id: d.loanId,
        revision: event.revision,
        category: d.category,
        previous: d.previous,
        rule: d.rule,
        rules_version: d.rulesVersion,
        dpd: d.dpd,
        as_of: d.asOf,
        trigger_event_id: d.triggerEventId,
        trigger_type: d.triggerType,
        recorded_at: event.recordedAt,
      });
    }
    await bulkUpsert(
      ctx,
      table,
      [...latest.values()].map(({ event, revision, state }) => {
        const d = (event as unknown as LoanClassified).data;
        return {
          loan_id: d.loanId,
          customer_id: d.customerId,
          revision,
          state,
          category: d.category,
          previous: d.previous,
          rule: d.rule,
          rules_version: d.rulesVersion,
          dpd: d.dpd,
          observation: d.observation,
          as_of: d.asOf,
          updated_at: event.recordedAt,
        };
      }),
      ['loan_id'],
    );
    await bulkUpsert(ctx, ctx.table(LOAN_CLASS_HISTORY_TABLE), history, ['event_id']);
  },
};
