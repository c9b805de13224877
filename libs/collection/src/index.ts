// The Collection context: strategies per (grade, stage) under maker-checker, cases with treatment
// plans, contacts within versioned contact rules, promises to pay, field visits, collectors and
// their certifications. Other contexts use what is exported here, never the internals.
export { collectionContext, CollectionModule } from './collection.module.js';
// Published event types (stream categories collection.case, .debtor, .collector, .strategy, .rules).
export type {
  ActionScheduled,
  CaseAssigned,
  CaseClosed,
  CaseDeescalated,
  CaseEscalated,
  CaseEvent,
  CaseOnHold,
  CaseOpened,
  CasePlacedWithAgency,
  CasePlacementEnded,
  CaseReassigned,
  CaseResumed,
  ContactAttempted,
  ContactBlocked,
  FieldVisitApproved,
  FieldVisitRejected,
  FieldVisitReported,
  FieldVisitRequested,
  PaymentRecorded,
  PlanAdjusted,
  PromiseBroken,
  PromiseCancelled,
  PromiseKept,
  PromiseToPayRecorded,
} from './domain/case/events.js';
export { CASE_EVENT_TYPES } from './domain/case/events.js';
export type { CollectorEvent } from './domain/collector.js';
export type { DebtorEvent } from './domain/debtor.js';
export type { StrategyEvent } from './domain/strategy.js';
export type { ContactRulesPublished } from './domain/rules-book.js';
export { CONTACT_CODES, type ContactCode } from './domain/contact-policy.js';
export { DEFAULT_CONTACT_RULES, type ContactRules } from './domain/contact-rules.js';
export { CHANNELS, OUTCOMES, PURPOSES, type Channel, type Outcome, type Purpose, type StrategyRef } from './domain/model.js';
// Contact attempts from channel executors (Kafka): an outcome message maps onto ContactAttemptInput,
// its message id as attemptId and idempotency key; a rule refusal comes back as kind 'blocked'.
export { ContactService, type ContactAttemptInput, type ContactOutcome } from './application/contacts.service.js';
// The case's own commands for other contexts that act for a customer or on a complaint (the
// self-service channel): the customer's promise, holds that stop and resume contact, and the
// debtor's channel opt-outs; the same commands and rules the staff routes use.
export { CaseService } from './application/cases.service.js';
export { DebtorPreferencesService, type DebtorPreferences } from './application/debtor-preferences.service.js';
export { CollectionClock } from './application/clock.js';
// The dispatch gate, for a context that has a notice of its own judged on the debtor's ledger (an agency placement's notice).
export { DispatchService } from './application/dispatch.service.js';
// The in-process dispatch scheduler and where it takes its instant from (a test binds its own clock).
export { DispatchWorker, DISPATCH_INSTANTS } from './application/dispatch-worker.js';
// A contact attempt's HTTP answer (a rule refusal: 422 with its code, recorded), for a context's own contact route.
export { contactAnswer } from './api/http.js';
export { maxHorizonDays, minimumPromise } from './domain/promises.js';
export type { OpenCase, ClosedCase } from './domain/case/events.js';
export {
  CHANNEL_ACTIONS_TOPIC,
  CHANNEL_OUTCOMES_TOPIC,
  CHANNEL_OUTCOME_TYPE,
  COLLECTION_TOPIC,
  ChannelOutcomeData,
  ChannelOutcomesHandler,
  collectionIntegrationEvents,
} from './api/channel-messaging.js';
