import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import type { BusinessDate } from '#kernel';
import { PG_POOL } from '#platform';
import { BUILTIN_RULEBOOKS, rulesInForce, type ContactRules } from '../domain/contact-rules.js';
import type { Grade, ResolvedStrategy, Stage } from '../domain/model.js';
import { resolveStrategy, selectStrategy, type ActiveStrategyVersion, type AssignmentSubject, type StrategyDefinition } from '../domain/strategy.js';
import { CollectionStore, streams } from './collection-store.js';

/**
 * The activated strategy versions, from the strategy read model. A case opened while the read model
 * still lags an activation follows the version that was visible then (recorded on the case).
 */
@Injectable()
export class StrategyCatalog {
  constructor(@Inject(PG_POOL) private readonly pool: pg.Pool) {}

  async active(): Promise<ActiveStrategyVersion[]> {
    const { rows } = await this.pool.query<{ strategy_id: string; version: number; effective_from: string; definition: StrategyDefinition }>(
      `SELECT strategy_id, version, effective_from, definition FROM rm_collection_strategy_versions
        WHERE status = 'ACTIVE' ORDER BY activation_commit, activation_prepare`,
    );
    return rows.map((r, i) => ({ strategyId: r.strategy_id, version: r.version, effectiveFrom: r.effective_from, activationSeq: i, definition: r.definition }));
  }

  /** The strategy for (grade, stage) on a date, its arm drawn for the subject's loan, customer or case; null when none applies. */
  async resolve(subject: AssignmentSubject, grade: Grade, stage: Stage, onDate: BusinessDate): Promise<ResolvedStrategy | null> {
    const entry = selectStrategy(await this.active(), grade, stage, onDate);
    return entry ? resolveStrategy(entry, subject) : null;
  }
}

/**
 * The contact rules book: the ContactRules version in force on a date, among the builtin rulebooks
 * (the 2025 national standard from 2025-02-28, the 2026 guideline from 2026-01-30) and the versions
 * the bank published; the one effective latest wins, a published one over a builtin on the same date.
 */
@Injectable()
export class ContactRulesBook {
  constructor(private readonly store: CollectionStore) {}

  async published() {
    return (await this.store.rulesBook.load(streams.rulesBook())).state.published;
  }

  async inForce(onDate: BusinessDate): Promise<ContactRules> {
    return rulesInForce([...BUILTIN_RULEBOOKS, ...(await this.published())], onDate);
  }
}
