// The Restructuring context: what other contexts and the app may use.
export { restructuringContext, RestructuringModule } from './restructuring.module.js';
// The use cases, for a context that files and follows requests for a customer (self-service):
// the same commands, policy and four-eyes steps as the staff routes.
export { RestructuringService } from './application/restructuring.service.js';
// The request body staff file, for a customer channel filing the same request (less what it fixes itself).
export { RequestBody as RestructuringRequestBody } from './api/schemas.js';
export { PUBLISHED_EVENT_TYPES, type PlanBroken, type PlanCompleted, type RestructuringActivated, type RestructuringEvent } from './domain/request/events.js';
export {
  amortise,
  amortiseConstantPayment,
  annuity,
  type AmortisationMethod,
  type AmortisationRounding,
  type AmortisedInstallment,
} from './domain/amortisation.js';
export { DEFAULT_RESTRUCTURING_POLICY, type RestructuringPolicy, type RestructuringType } from './domain/policy.js';
export { RESTRUCTURING_TOPIC, restructuringIntegrationEvents } from './api/integration-events.js';
