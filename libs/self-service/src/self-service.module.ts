import { Module } from '@nestjs/common';
import { CollectionModule } from '#collection';
import { RestructuringModule } from '#restructuring';
import type { ContextRegistration } from '#messaging';
import { ComplaintsController } from './api/complaints.controller.js';
import { selfServiceIntegrationEvents } from './api/integration-events.js';
import { SelfServiceController } from './api/self-service.controller.js';
import { ComplaintsService } from './application/complaints.service.js';
import { complaintDeadlinesReactor, complaintHoldsReactor } from './application/reactors.js';
import { SelfServiceReader } from './application/self-service.reader.js';
import { complaintDecider } from './domain/complaint.js';
import { complaintsProjection, selfServiceCalendarProjection, selfServiceCaseAssignmentsProjection } from './read-model/projections.js';

/**
 * Self-service: the customer's own channel (the bank's app and web portal acting for an
 * authenticated customer) and the complaints register. It owns no loan, case or request: every
 * customer action is a command of the context that owns the fact (Collection's promise, hold and
 * opt-out; Restructuring's request and acceptance), used through their published index. It owns
 * the complaint aggregate (`selfservice.complaint-<id>`).
 */
@Module({
  imports: [CollectionModule, RestructuringModule],
  // HTTP
  controllers: [SelfServiceController, ComplaintsController],
  // Application: the complaint use cases and reactions; the customer's read side
  providers: [ComplaintsService, SelfServiceReader],
})
export class SelfServiceModule {}

export const selfServiceContext: ContextRegistration = {
  name: 'selfservice',
  module: SelfServiceModule,
  projections: [
    // Read models: the customer's cases (the scope of every customer read and write), the complaints register
    selfServiceCaseAssignmentsProjection,
    complaintsProjection,
    // Self-service's copy of Loans' business calendar (complaint dates and deadlines)
    selfServiceCalendarProjection,
    // Reactors: a complaint holds and releases its cases; an end of day escalates missed deadlines
    complaintHoldsReactor,
    complaintDeadlinesReactor,
  ],
  migrations: [],
  integrationEvents: selfServiceIntegrationEvents,
  aggregates: [{ category: 'selfservice.complaint', initialState: complaintDecider.initialState, evolve: complaintDecider.evolve }],
};
