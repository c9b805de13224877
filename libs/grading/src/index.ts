// The Grading context: versioned grading policies (maker-checker), customer grades with the factors
// behind them, and five-category loan classification. Published event types below; everything else
// is internal to the context.
export { gradingContext, GradingModule } from './grading.module.js';
export { CATEGORIES, GRADES, SCORE_GRADES, type Category, type Grade, type ScoreGrade } from './domain/grades.js';
export {
  FACTORS,
  OVERRIDE_FLAGS,
  type FactorContribution,
  type FactorName,
  type OverrideFlag,
  type PolicyDocument,
  type ProfileFacts,
} from './domain/scorecard.js';
export type { ClassificationRule, ClassificationRules } from './domain/classification.js';
export type {
  ActiveClassificationRulesChanged,
  ActivePolicyChanged,
  ClassificationRulesActivated,
  ClassificationRulesApproved,
  ClassificationRulesProposed,
  ClassificationRulesRejected,
  ClassificationRulesRetired,
  PolicyActivated,
  PolicyApproved,
  PolicyDraftProposed,
  PolicyDraftRejected,
  PolicyEvent,
  PolicyRetired,
  RulesEvent,
} from './domain/policies.js';
export type { CustomerEvent, CustomerGraded, CustomerProfileUpdated, PromiseOutcomeRecorded, RestructuringStatusRecorded } from './domain/customer.js';
export type { LoanClassified } from './domain/loan-classification.js';
export type { PortfolioRunCompleted, PortfolioRunProgressed, PortfolioRunStarted, RunEvent } from './domain/run.js';
