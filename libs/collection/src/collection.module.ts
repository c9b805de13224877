import { Module } from '@nestjs/common';
import type { ContextRegistration } from '#messaging';
import { CasesController } from './api/cases.controller.js';
import { CHANNEL_OUTCOMES_TOPIC, ChannelOutcomesHandler, collectionIntegrationEvents } from './api/channel-messaging.js';
import { CollectorsController } from './api/collectors.controller.js';
import { DebtorsController } from './api/debtors.controller.js';
import { DispatchController } from './api/dispatch.controller.js';
import { CollectionOperationsController, StrategiesController } from './api/strategies.controller.js';
import { CaseService } from './application/cases.service.js';
import { ContactRulesBook, StrategyCatalog } from './application/catalog.js';
import { CollectionClock, collectionCalendarProjection } from './application/clock.js';
import { CollectionStore } from './application/collection-store.js';
import { ContactService } from './application/contacts.service.js';
import { DebtorPreferencesService } from './application/debtor-preferences.service.js';
import { CollectionEndOfDay } from './application/end-of-day.js';
import { DispatchService, dispatchGateProjection } from './application/dispatch.service.js';
import { DispatchWorker } from './application/dispatch-worker.js';
import { OutreachService, earlyOutreachProjection, outreachProjection } from './application/outreach.service.js';
import { CaseRerouting } from './application/rerouting.js';
import { WhatIfService } from './application/what-if.service.js';
import { LoanReactions, loanReactionsProjection } from './application/loan-reactions.js';
import { caseDecider } from './domain/case/decide.js';
import { collectorDecider } from './domain/collector.js';
import { debtorDecider } from './domain/debtor.js';
import { outreachDecider } from './domain/outreach.js';
import { rulesBookDecider } from './domain/rules-book.js';
import { strategyDecider } from './domain/strategy.js';
import { READ_MODELS } from './read-model/projections.js';
import { CollectionQueries } from './read-model/queries.js';

/**
 * Collection: strategies per (grade, stage) under maker-checker, one case per delinquent loan with
 * its treatment plan, contacts within the contact rules, promises, field visits, and collectors
 * with their certifications.
 */
@Module({
  // HTTP
  controllers: [StrategiesController, CollectionOperationsController, CollectorsController, CasesController, DebtorsController, DispatchController],
  providers: [
    // Application: repositories, configuration in force, command services, reactions, end of day
    CollectionStore,
    CollectionClock,
    StrategyCatalog,
    ContactRulesBook,
    CaseService,
    ContactService,
    DebtorPreferencesService,
    DispatchService,
    DispatchWorker,
    OutreachService,
    CaseRerouting,
    CollectionEndOfDay,
    LoanReactions,
    WhatIfService,
    // Kafka: channel outcomes from executors
    ChannelOutcomesHandler,
    // Read model
    CollectionQueries,
  ],
  exports: [ContactService, CaseService, DebtorPreferencesService, CollectionClock, DispatchService],
})
export class CollectionModule {}

export const collectionContext: ContextRegistration = {
  name: 'collection',
  module: CollectionModule,
  // The reactions first: they own the loan mirror the end of day reads. The calendar copy is
  // Collection's business clock.
  // The dispatch gate judges every scheduled action on the debtor's ledger (a reactor); early
  // warnings start pre-delinquency tracks (a reactor) whose read model the end of day walks.
  projections: [loanReactionsProjection, collectionCalendarProjection, ...READ_MODELS, outreachProjection, dispatchGateProjection, earlyOutreachProjection],
  migrations: [],
  integrationEvents: collectionIntegrationEvents,
  inbound: [{ topic: CHANNEL_OUTCOMES_TOPIC, handler: ChannelOutcomesHandler }],
  aggregates: [
    { category: 'collection.case', initialState: caseDecider.initialState, evolve: caseDecider.evolve },
    { category: 'collection.debtor', initialState: debtorDecider.initialState, evolve: debtorDecider.evolve },
    { category: 'collection.collector', initialState: collectorDecider.initialState, evolve: collectorDecider.evolve },
    { category: 'collection.strategy', initialState: strategyDecider.initialState, evolve: strategyDecider.evolve },
    { category: 'collection.rules', initialState: rulesBookDecider.initialState, evolve: rulesBookDecider.evolve },
    { category: 'collection.outreach', initialState: outreachDecider.initialState, evolve: outreachDecider.evolve },
  ],
};
