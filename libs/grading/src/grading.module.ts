import { aggregateFolds } from '#kernel';
import { Module } from '@nestjs/common';
import type { ContextRegistration } from '#messaging';
import { ClassificationController, RunsController } from './api/classification.controller.js';
import { CustomersController } from './api/customers.controller.js';
import { gradingIntegrationEvents } from './api/integration-events.js';
import { ClassificationRulesController, GradingPoliciesController, PolicyPreviewController } from './api/policies.controller.js';
import { InForce } from './application/in-force.js';
import { PolicyService } from './application/policies.service.js';
import { PromiseOutcomes, promiseOutcomesProjection } from './application/promise-outcomes.js';
import { Regrader, regraderProjection } from './application/regrader.js';
import { RestructuringOutcomes, restructuringOutcomesReactor } from './application/restructuring-outcomes.js';
import { HttpCommands } from './api/http-commands.js';
import { GradingRepositories } from './application/repositories.js';
import { RunWorker } from './application/run-worker.js';
import { customerDecider } from './domain/customer.js';
import { loanClassificationDecider } from './domain/loan-classification.js';
import { policyDecider, policyRegistryDecider, rulesDecider, rulesRegistryDecider } from './domain/policies.js';
import { runDecider } from './domain/run.js';
import { ImpactPreviewer } from './read-model/preview.js';
import { customersProjection, loanClassesProjection, policiesProjection } from './read-model/projections.js';
import { GradingReadScope, gradingCaseAssignmentsProjection } from './read-model/case-assignments.js';
import { GradingQueries } from './read-model/queries.js';
import { GradingClock, gradingCalendarProjection } from './application/clock.js';

/**
 * Grading: versioned scorecard policies with maker-checker, customer grades with the factors that
 * produced them, and the five-category classification of loans.
 */
@Module({
  // HTTP
  controllers: [
    GradingPoliciesController,
    PolicyPreviewController,
    ClassificationRulesController,
    CustomersController,
    ClassificationController,
    RunsController,
  ],
  providers: [
    // Application: repositories, commands, reactions, portfolio runs
    GradingRepositories,
    InForce,
    PolicyService,
    PromiseOutcomes,
    Regrader,
    RestructuringOutcomes,
    RunWorker,
    HttpCommands,
    // Read model
    GradingQueries,
    GradingClock,
    GradingReadScope,
    ImpactPreviewer,
  ],
})
export class GradingModule {}

export const gradingContext: ContextRegistration = {
  name: 'grading',
  module: GradingModule,
  // The regrader first: it owns the loan records the others' readers join.
  projections: [
    regraderProjection,
    customersProjection,
    policiesProjection,
    loanClassesProjection,
    restructuringOutcomesReactor,
    promiseOutcomesProjection,
    gradingCaseAssignmentsProjection,
    gradingCalendarProjection,
  ],
  migrations: [],
  // Kafka: grades and loan classifications on arrears.grading.v1.
  integrationEvents: gradingIntegrationEvents,
  // The aggregates whose past states the audit context can rebuild.
  aggregates: aggregateFolds({
    'grading.policy': policyDecider,
    'grading.ruleset': rulesDecider,
    'grading.policies': policyRegistryDecider,
    'grading.rulesets': rulesRegistryDecider,
    'grading.customer': customerDecider,
    'grading.loan': loanClassificationDecider,
    'grading.run': runDecider,
  }),
};
