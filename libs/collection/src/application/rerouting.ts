import { Inject, Injectable, Logger } from '@nestjs/common';
import type pg from 'pg';
import { isDomainError, type BusinessDate } from '#kernel';
import type { CommandContext } from '#eventstore';
import { PG_POOL } from '#platform';
import { missingCertifications, skillsMatch, type Certification } from '../domain/collector.js';
import { ContactRulesBook } from './catalog.js';
import { CaseService, planCertifications } from './cases.service.js';
import { CollectionStore, streams } from './collection-store.js';
import { followUp } from './commands.js';

/**
 * Work that follows the certifications: a case whose collector does not hold, on the day it is
 * worked, every certification it needs (the base one and what its plan's collector steps require)
 * moves to the least-loaded active collector who works its queue and holds them all, through the
 * supervisor's reassignment path (the new collector's aggregate accepts it, `CaseReassigned` names
 * the reason, the old collector is released). That covers a lapsed certification and an escalation
 * into a plan that needs one the collector lacks. With nobody eligible the case stays (and is tried
 * again at the next close). The certifications are read from the collector's stream, the candidates
 * from the collectors read model (their aggregates have the last word).
 */
@Injectable()
export class CaseRerouting {
  private readonly logger = new Logger('CollectionRerouting');

  constructor(
    private readonly store: CollectionStore,
    private readonly cases: CaseService,
    private readonly rules: ContactRulesBook,
    @Inject(PG_POOL) private readonly pool: pg.Pool,
  ) {}

  /**
   * For the cases of one close: re-routes a case whose collector lacks a certification on `onDate`
   * and answers the new collector or null. The rules in force on `onDate` are read once, and each
   * collector's stream once (a close does not change certifications), instead of once per case.
   */
  forDay(onDate: BusinessDate): (caseId: string, ctx: CommandContext) => Promise<string | null> {
    let rules: ReturnType<ContactRulesBook['inForce']> | undefined;
    const collectors = new Map<string, ReturnType<CollectionStore['collectors']['load']>>();
    return (caseId, ctx) =>
      this.reroute(
        caseId,
        onDate,
        ctx,
        () => (rules ??= this.rules.inForce(onDate)),
        (id) => {
          let loaded = collectors.get(id);
          if (!loaded) collectors.set(id, (loaded = this.store.collectors.load(streams.collector(id))));
          return loaded;
        },
      );
  }

  private async reroute(
    caseId: string,
    onDate: BusinessDate,
    ctx: CommandContext,
    rulesInForce: () => ReturnType<ContactRulesBook['inForce']>,
    collectorOf: (id: string) => ReturnType<CollectionStore['collectors']['load']>,
  ): Promise<string | null> {
    // The case as the repository last saw it: the reassignment decides on it at its revision.
    const { state } = await this.cases.current(caseId);
    if (state.status !== 'open' || !state.collectorId) return null;
    const rules = await rulesInForce();
    const required = [rules.collectorCertification, ...planCertifications(state)];
    const { state: collector } = await collectorOf(state.collectorId);
    const missing = collector.status === 'registered' ? missingCertifications(collector, required, onDate) : required;
    if (missing.length === 0) return null;
    const { rows } = await this.pool.query<{ collector_id: string; skills: string[]; certifications: Record<string, Omit<Certification, 'certification'>> }>(
      `SELECT collector_id, skills, certifications FROM rm_collection_collectors
        WHERE active AND open_cases < capacity AND collector_id <> $1 ORDER BY open_cases, collector_id`,
      [state.collectorId],
    );
    const eligible = rows.filter((r) => {
      const certifications = Object.fromEntries(Object.entries(r.certifications).map(([k, v]) => [k, { certification: k, ...v }]));
      return skillsMatch(r.skills, state.grade, state.stage) && missingCertifications({ certifications }, required, onDate).length === 0;
    });
    const reason = `certification ${missing.join(', ')} of ${state.collectorId} not valid on ${onDate}`;
    for (const candidate of eligible) {
      const moved = await this.cases.reassign(caseId, candidate.collector_id, reason, onDate, followUp(ctx, 'ReassignCase', `reroute:${caseId}:${onDate}`));
      if (!isDomainError(moved)) return candidate.collector_id;
    }
    this.logger.warn({ msg: 'no certified collector for the case', caseId, collectorId: state.collectorId, missing, onDate });
    return null;
  }
}
