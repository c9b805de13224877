import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import { domainError, type BusinessDate, type DomainError } from '#kernel';
import { PG_POOL } from '#platform';
import type { CaseEvent } from '../domain/case/events.js';
import { whatIf, type AlternativeStrategy, type WhatIfResult } from '../domain/what-if.js';
import { CollectionStore, streams } from './collection-store.js';
import { LOANS_MIRROR_TABLE } from './loan-mirror.js';

export interface CohortWhatIf {
  readonly alternative: { readonly strategyId: string; readonly version: number };
  readonly cohort: { readonly strategyId: string; readonly version: number; readonly cases: number; readonly limit: number };
  readonly totals: {
    readonly actual: number;
    readonly whatIf: number;
    readonly same: number;
    readonly onlyActual: number;
    readonly onlyWhatIf: number;
    readonly casesThatDiffer: number;
  };
  readonly byChannel: readonly { readonly channel: string; readonly actual: number; readonly whatIf: number }[];
  readonly cases: readonly ({ readonly caseId: string } & WhatIfResult['summary'])[];
}

/**
 * What-if replays over the event store, in memory: nothing is appended. The alternative is any
 * recorded version of a strategy (proposed, approved, active or rejected), so a proposal can be
 * tried on real histories before anyone approves it.
 */
@Injectable()
export class WhatIfService {
  constructor(
    private readonly store: CollectionStore,
    @Inject(PG_POOL) private readonly pool: pg.Pool,
  ) {}

  async alternative(strategyId: string, version: number): Promise<AlternativeStrategy | DomainError> {
    const { state } = await this.store.strategies.load(streams.strategy(strategyId));
    const found = state.versions.find((v) => v.version === version);
    if (!found) return domainError('STRATEGY_VERSION_NOT_FOUND', `strategy ${strategyId} has no version ${version}`, { strategyId, version }, 'not_found');
    return { strategyId, version, definition: found.definition };
  }

  private async installments(loanId: string): Promise<{ seq: number; dueDate: BusinessDate }[]> {
    const { rows } = await this.pool.query<{ installments: { seq: number; dueDate: BusinessDate }[] }>(
      `SELECT installments FROM ${LOANS_MIRROR_TABLE} WHERE loan_id = $1`,
      [loanId],
    );
    return rows[0]?.installments ?? [];
  }

  /** One case's recorded history replayed under the alternative (null: no such case). */
  async forCase(caseId: string, events: readonly CaseEvent[], alternative: AlternativeStrategy, through?: BusinessDate): Promise<WhatIfResult | null> {
    const opened = events.find((e) => e.type === 'CaseOpened');
    if (!opened || opened.type !== 'CaseOpened') return null;
    return whatIf({ caseId, events, installments: await this.installments(opened.data.loanId), alternative, ...(through ? { through } : {}) });
  }

  /** The cases that ran under one strategy version (up to `limit`), each replayed under the alternative. */
  async forCohort(alternative: AlternativeStrategy, cohort: { strategyId: string; version: number }, limit: number): Promise<CohortWhatIf> {
    const { rows } = await this.pool.query<{ case_id: string }>(
      `SELECT case_id FROM rm_collection_cases WHERE strategy_id = $1 AND strategy_version = $2 ORDER BY case_id LIMIT $3`,
      [cohort.strategyId, cohort.version, limit],
    );
    const cases: CohortWhatIf['cases'][number][] = [];
    const channels = new Map<string, { actual: number; whatIf: number }>();
    const tally = (channel: string, run: 'actual' | 'whatIf') => {
      const counts = channels.get(channel) ?? { actual: 0, whatIf: 0 };
      counts[run]++;
      channels.set(channel, counts);
    };
    for (const { case_id } of rows) {
      const loaded = await this.store.cases.load(streams.case(case_id));
      const result = await this.forCase(case_id, loaded.events as unknown as CaseEvent[], alternative);
      if (!result) continue;
      cases.push({ caseId: case_id, ...result.summary });
      for (const day of result.days) {
        for (const a of day.actual) tally(a.channel, 'actual');
        for (const a of day.whatIf) tally(a.channel, 'whatIf');
      }
    }
    const sum = (k: 'actual' | 'whatIf' | 'same' | 'onlyActual' | 'onlyWhatIf') => cases.reduce((s, c) => s + c[k], 0);
    return {
      alternative: { strategyId: alternative.strategyId, version: alternative.version },
      cohort: { ...cohort, cases: cases.length, limit },
      totals: {
        actual: sum('actual'),
        whatIf: sum('whatIf'),
        same: sum('same'),
        onlyActual: sum('onlyActual'),
        onlyWhatIf: sum('onlyWhatIf'),
        casesThatDiffer: cases.filter((c) => c.differs).length,
      },
      byChannel: [...channels].map(([channel, n]) => ({ channel, ...n })).sort((a, b) => a.channel.localeCompare(b.channel)),
      cases,
    };
  }
}
