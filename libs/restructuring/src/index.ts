// The Restructuring context: what other contexts and the app may use.
export { restructuringContext, RestructuringModule } from './restructuring.module.js';
export {
  PUBLISHED_EVENT_TYPES,
  type PlanBroken,
  type PlanCompleted,
  type RestructuringActivated,
  type RestructuringEvent,
} from './domain/events.js';
export { amortise, amortiseConstantPayment, annuity, type AmortisationMethod, type AmortisationRounding, type AmortisedInstallment } from './domain/amortisation.js';
export { DEFAULT_RESTRUCTURING_POLICY, type RestructuringPolicy, type RestructuringType } from './domain/policy.js';
export { RESTRUCTURING_TOPIC, restructuringIntegrationEvents } from './api/integration-events.js';
