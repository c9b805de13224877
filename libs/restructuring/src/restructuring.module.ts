import { Module } from '@nestjs/common';
import type { ContextRegistration } from '#messaging';
import { restructuringIntegrationEvents } from './api/integration-events.js';
import { RestructuringController } from './api/restructuring.controller.js';
import { restructuringCalendarProjection } from './application/clock.js';
import { activationReactor, endOfDayReactor, planMonitorReactor } from './application/reactors.js';
import { RestructuringService } from './application/restructuring.service.js';
import { evolveCustomer, initialCustomerState } from './domain/customer.js';
import { evolve, initialRequestState } from './domain/request/events.js';
import { policyBookDecider } from './domain/policy-book.js';
import { evolveSlot, initialSlotState } from './domain/slot.js';
import { customerGradesProjection, requestsProjection } from './read-model/projections.js';
import { restructuringCaseAssignmentsProjection } from './read-model/queries.js';

/**
 * The restructuring context: deferrals, installment plans and fee waivers with maker-checker
 * approval, their effect on the loan's schedule, and the monitoring of the plans.
 */
@Module({
  // HTTP
  controllers: [RestructuringController],
  // Application: use cases, and the reactions the reactors call
  providers: [RestructuringService],
  exports: [RestructuringService],
})
export class RestructuringModule {}

export const restructuringContext: ContextRegistration = {
  name: 'restructuring',
  module: RestructuringModule,
  projections: [
    // Read models
    requestsProjection,
    customerGradesProjection,
    restructuringCaseAssignmentsProjection,
    // Restructuring's copy of Loans' business calendar (its business date)
    restructuringCalendarProjection,
    // Reactors: acceptance -> activation (loan schedule replaced); loan events -> plan monitoring;
    // the loans calendar's end of day -> offer expiry and plan monitoring
    activationReactor,
    planMonitorReactor,
    endOfDayReactor,
  ],
  migrations: [],
  // Kafka: the request lifecycle and the plan outcomes on arrears.restructuring.v1
  integrationEvents: restructuringIntegrationEvents,
  aggregates: [
    { category: 'restructuring.request', initialState: initialRequestState, evolve },
    { category: 'restructuring.policy', initialState: policyBookDecider.initialState, evolve: policyBookDecider.evolve },
    // One open restructuring per loan: the loan's slot, taken on filing and released when the request ends
    { category: 'restructuring.slot', initialState: initialSlotState, evolve: evolveSlot },
    // No restructuring of a customer's loans within the lookback: the customer's commitments, one per accepted offer
    { category: 'restructuring.customer', initialState: initialCustomerState, evolve: evolveCustomer },
  ],
};
