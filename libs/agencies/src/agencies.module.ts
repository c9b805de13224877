import { aggregateFolds } from '#kernel';
import { Module } from '@nestjs/common';
import { CollectionModule } from '#collection';
import type { ContextRegistration } from '#messaging';
import { VaultModule } from '#vault';
import { AgenciesController } from './api/agencies.controller.js';
import { AGENCY_OUTCOMES_TOPIC, AgencyOutcomesHandler } from './api/agency-outcomes.js';
import { agenciesIntegrationEvents } from './api/integration-events.js';
import { PlacementService } from './application/placement.service.js';
import { caseReactor, placementExpiryReactor, placementNoticeReactor } from './application/reactors.js';
import { agencyDecider } from './domain/agency.js';
import { placementDecider } from './domain/placement.js';
import { placementRuleDecider } from './domain/placement-rule.js';
import { AGENCY_READ_MODELS } from './read-model/projections.js';

/**
 * Agencies: outside collection agencies the bank places cases with. It owns the agency (contract
 * under maker-checker, status, its collectors' certifications, capacity; `agencies.agency-<id>`)
 * and the case's placements (one agency per case at a time; `agencies.placement-<caseId>`). The
 * case, its contacts, the debtor's contact ledger and the dispatch gate stay Collection's, used
 * through Collection's published index: an agency's contact is Collection's contact command.
 */
@Module({
  imports: [CollectionModule, VaultModule],
  // HTTP
  controllers: [AgenciesController],
  // Application: placements, recalls, attribution, and the agency commands
  providers: [PlacementService, AgencyOutcomesHandler],
})
export class AgenciesModule {}

export const agenciesContext: ContextRegistration = {
  name: 'agencies',
  module: AgenciesModule,
  projections: [
    // Read models: the published list, placements (the agency principal's scope), recoveries, the agencies' contacts, case assignments
    ...AGENCY_READ_MODELS,
    // Reactors: the debtor's notice and capacity; Collection's case events (rule, recalls, attribution); expiry at the end of day
    placementNoticeReactor,
    caseReactor,
    placementExpiryReactor,
  ],
  migrations: [],
  integrationEvents: agenciesIntegrationEvents,
  // Kafka: agencies' outcomes from their own systems
  inbound: [{ topic: AGENCY_OUTCOMES_TOPIC, handler: AgencyOutcomesHandler }],
  aggregates: aggregateFolds({
    'agencies.agency': agencyDecider,
    'agencies.placement': placementDecider,
    'agencies.rules': placementRuleDecider,
  }),
};
