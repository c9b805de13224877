import { Inject, Injectable } from '@nestjs/common';
import { streamName } from '#kernel';
import { AggregateRepository, EVENT_STORE, type EventStore } from '#eventstore';
import { REVIEW_COMPLETED_EVENT, reviewStream } from '#monitoring';
import { caseDecider, type CaseCommand } from '../domain/case/decide.js';
import type { CaseEvent, CaseState } from '../domain/case/events.js';
import { collectorDecider, type CollectorCommand, type CollectorEvent, type CollectorState } from '../domain/collector.js';
import { debtorDecider, type DebtorCommand, type DebtorEvent, type DebtorState } from '../domain/debtor.js';
import { outreachDecider, type OutreachCommand, type OutreachEvent, type OutreachState } from '../domain/outreach.js';
import { RULES_BOOK_STREAM, rulesBookDecider, type RulesBookCommand, type RulesBookEvent, type RulesBookState } from '../domain/rules-book.js';
import { strategyDecider, type StrategyCommand, type StrategyEvent, type StrategyState } from '../domain/strategy.js';

/** Stream names of the Collection context's aggregates. */
export const streams = {
  case: (caseId: string) => streamName('collection', 'case', caseId),
  debtor: (customerId: string) => streamName('collection', 'debtor', customerId),
  collector: (collectorId: string) => streamName('collection', 'collector', collectorId),
  strategy: (strategyId: string) => streamName('collection', 'strategy', strategyId),
  outreach: (trackId: string) => streamName('collection', 'outreach', trackId),
  rulesBook: () => RULES_BOOK_STREAM,
};

/**
 * A debtor's ledger is where every case, collector, executor and the dispatch gate meet: a conflict
 * there is re-decided on the fresh ledger more often than on other streams before giving up.
 */
export const DEBTOR_LEDGER_RETRIES = 20;

/** One repository per aggregate of the context (load, decide, append at the loaded revision). */
@Injectable()
export class CollectionStore {
  readonly cases: AggregateRepository<CaseCommand, CaseEvent, CaseState>;
  readonly debtors: AggregateRepository<DebtorCommand, DebtorEvent, DebtorState>;
  readonly collectors: AggregateRepository<CollectorCommand, CollectorEvent, CollectorState>;
  readonly strategies: AggregateRepository<StrategyCommand, StrategyEvent, StrategyState>;
  readonly rulesBook: AggregateRepository<RulesBookCommand, RulesBookEvent, RulesBookState>;
  readonly outreach: AggregateRepository<OutreachCommand, OutreachEvent, OutreachState>;

  constructor(@Inject(EVENT_STORE) readonly store: EventStore) {
    this.cases = new AggregateRepository(store, caseDecider);
    this.debtors = new AggregateRepository(store, debtorDecider, { maxRetries: DEBTOR_LEDGER_RETRIES });
    this.collectors = new AggregateRepository(store, collectorDecider);
    this.strategies = new AggregateRepository(store, strategyDecider);
    this.rulesBook = new AggregateRepository(store, rulesBookDecider, { cacheStreams: 0 });
    this.outreach = new AggregateRepository(store, outreachDecider);
  }

  /**
   * Whether Monitoring completed the champion/challenger review a proposal cites, read from the
   * review's own stream by the name Monitoring publishes (not its read model, which may lag). A
   * completed review is never undone, so the answer cannot turn false after it was true.
   */
  async reviewExists(reviewId: string): Promise<boolean> {
    const [first] = await this.store.readStream(reviewStream(reviewId), { maxCount: 1 });
    return first?.type === REVIEW_COMPLETED_EVENT;
  }
}
