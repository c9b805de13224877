// The Agencies context: collection agencies, placements of cases with them, recalls, recoveries
// attributed and commissions. What other contexts and the app may use.
export { agenciesContext, AgenciesModule } from './agencies.module.js';
export { AGENCIES_TOPIC } from './api/integration-events.js';
export { AGENCY_OUTCOMES_TOPIC, AGENCY_OUTCOME_TYPE, AgencyOutcomesHandler } from './api/agency-outcomes.js';
export { AGENCY_EVENT_TYPES, type AgencyEvent } from './domain/agency.js';
export {
  PLACEMENT_EVENT_TYPES,
  RECALL_REASONS,
  type CasePlaced,
  type CaseRecalled,
  type PlacementEvent,
  type RecoveryAttributed,
  type RecoveryReversed,
} from './domain/placement.js';
