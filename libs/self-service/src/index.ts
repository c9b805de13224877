// The Self-service context: the customer's own channel and the complaints register. What other
// contexts and the app may use.
export { selfServiceContext, SelfServiceModule } from './self-service.module.js';
export {
  COMPLAINT_CATEGORIES,
  COMPLAINT_EVENT_TYPES,
  COMPLAINT_KINDS,
  COMPLAINT_OUTCOMES,
  REMEDIES,
  type ComplaintAcknowledged,
  type ComplaintDeadlineExtended,
  type ComplaintEscalated,
  type ComplaintEvent,
  type ComplaintInvestigationStarted,
  type ComplaintRaised,
  type ComplaintResolved,
} from './domain/complaint.js';
