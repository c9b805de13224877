import { z } from 'zod';
import { fields } from '#platform';
import { CHANNELS, GRADES, HOLD_REASONS, OUTCOMES, PURPOSES, STAGES, THIRD_PARTY_EXCEPTIONS } from '../domain/model.js';
import { ASSIGNMENT_UNITS } from '../domain/strategy.js';

/**
 * Request shapes of the Collection API: strict objects (unknown fields are a 400), money in whole
 * fen, dates as ISO calendar dates, instants as ISO date-times. Business rules are the deciders'.
 * No field carries personal data: debtors are customer ids, third parties vault contact ids.
 */

const text = (max: number) => z.string().trim().min(1).max(max);
const reason = text(500).describe('why; recorded on the event (no personal data)');
const channel = z.enum(CHANNELS);
const purpose = z.enum(PURPOSES);
const grade = z.enum(GRADES);
const stage = z.enum(STAGES as unknown as [string, ...string[]]);
const instant = z.iso.datetime({ offset: true }).describe('ISO-8601 instant, e.g. 2025-03-02T10:00:00+08:00');
const timing = z.union([z.strictObject({ dpdDay: z.number().int().min(0).max(3650) }), z.strictObject({ daysBeforeDue: z.number().int().min(1).max(60) })]);

const StepBody = z.strictObject({
  stepId: fields.id,
  when: timing,
  channel,
  purpose,
  templateId: fields.id,
  requiredCertification: fields.id.nullable().default(null),
  priority: z.number().int().min(1).max(9).default(5),
  performer: z.enum(['COLLECTOR', 'EXECUTOR']).optional().describe('defaults to COLLECTOR for CALL and FIELD_VISIT, EXECUTOR otherwise'),
  sendTime: z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/)
    .optional()
    .describe('HH:MM the action is planned to go out on its day, in sendTimeZone (default: the opening of the contact window in the debtor’s zone)'),
  sendTimeZone: z.string().min(1).max(64).optional().describe('IANA zone of sendTime (default: the loan’s zone)'),
  stage: stage
    .optional()
    .describe('the stage whose plan the step is on, for a strategy covering several stages (default: every stage of the strategy); one of its keys’ stages'),
  duringPlacement: z
    .boolean()
    .optional()
    .describe('whether the bank still performs the step while the case is placed with an agency (default: LETTER steps only)'),
});
export type StepInput = z.infer<typeof StepBody>;

export const ProposeStrategyBody = z.strictObject({
  strategyId: fields.id,
  /** The champion/challenger review that motivates the version, recorded with it for auditors. */
  reviewId: fields.id.optional(),
  keys: z.array(z.strictObject({ grade, stage })).min(1).max(60),
  assignmentUnit: z
    .enum(ASSIGNMENT_UNITS)
    .default('LOAN')
    .describe('what the champion/challenger arm is drawn for: LOAN (default; a loan that cures and falls behind again keeps its arm), CUSTOMER, or CASE'),
  champion: z.array(StepBody).min(1).max(50),
  challenger: z
    .strictObject({ ladder: z.array(StepBody).min(1).max(50), trafficSharePct: z.number().int().min(1).max(99) })
    .nullable()
    .optional(),
  promiseTerms: z
    .strictObject({
      graceDays: z.number().int().min(0).max(30),
      toleranceFen: fields.fen,
      toleranceBps: z.number().int().min(0).max(10_000),
      minAmountFen: fields.positiveFen
        .nullable()
        .optional()
        .describe('the smallest promise (e.g. one installment); the lower of it and minOverdueBps of the overdue amount applies'),
      minOverdueBps: z.number().int().min(0).max(10_000).optional().describe('the smallest promise as a share of the overdue amount (default 1000: 10 %)'),
      maxHorizonDays: z.number().int().min(1).max(366).optional().describe('how far ahead a promise may be dated (default 30 days)'),
    })
    .optional(),
  adjustmentLimits: z
    .strictObject({
      maxAdjustments: z.number().int().min(0).max(50),
      maxShiftDays: z.number().int().min(0).max(60),
      addableChannels: z.array(channel).max(6),
      skippablePurposes: z.array(purpose).max(4),
    })
    .optional(),
  reason,
});

export const EmptyBody = z.strictObject({}).optional();
export const ReasonBody = z.strictObject({ reason });
export const ActivateStrategyBody = z.strictObject({
  effectiveFrom: fields.businessDate,
  businessDate: fields.businessDate
    .optional()
    .describe('today’s business date; if stated, it must be the open business date of Loans’ calendar (422 BUSINESS_DATE_NOT_OPEN)'),
});

export const ContactRulesBody = z.strictObject({
  effectiveFrom: fields.businessDate,
  businessDate: fields.businessDate.optional(),
  reason,
  rules: z.strictObject({
    version: text(40),
    quietHours: z.strictObject({
      start: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/),
      end: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/),
      channels: z.array(channel).max(6),
    }),
    voice: z.strictObject({
      maxEffectiveCallsPerDay: z.number().int().min(0).max(50),
      effectiveOutcomes: z.array(z.enum(OUTCOMES)).max(OUTCOMES.length),
      maxDialAttemptsPerDay: z.number().int().min(0).max(100).nullable().optional(),
      recordingRequired: z.boolean().optional(),
    }),
    optOutChannels: z.array(channel).max(6),
    thirdParty: z.strictObject({
      allowedExceptions: z.array(z.enum(THIRD_PARTY_EXCEPTIONS as unknown as [string, ...string[]])).max(3),
      disclosureAllowedFor: z.array(z.enum(THIRD_PARTY_EXCEPTIONS as unknown as [string, ...string[]])).max(3),
      minFailedAttemptsBeforeThirdParty: z.number().int().min(0).max(100).nullable().optional(),
    }),
    fieldVisitMinCollectors: z.number().int().min(1).max(10).optional(),
    firstContactIdentifiesBank: z.boolean().optional(),
    stopOnDispute: z.boolean(),
    stopOnComplaint: z.boolean(),
    fieldVisitRequiresApproval: z.boolean(),
    collectorCertification: fields.id,
    certificationMaxValidityDays: z.number().int().min(1).max(3650),
  }),
});

export const RegisterCollectorBody = z.strictObject({
  collectorId: fields.id,
  team: fields.id,
  capacity: z.number().int().min(0).max(10_000),
  skills: z.array(z.string().max(10)).max(60),
});
export const CollectorProfileBody = z.strictObject({
  team: fields.id.optional(),
  capacity: z.number().int().min(0).max(10_000).optional(),
  skills: z.array(z.string().max(10)).max(60).optional(),
  active: z.boolean().optional(),
});
export const TrainingBody = z.strictObject({
  courseId: fields.id,
  score: z.number().int().min(0).max(100),
  passScore: z.number().int().min(0).max(100).default(60),
  completedOn: fields.businessDate,
});
export const CertificationBody = z.strictObject({
  certification: fields.id,
  courseId: fields.id,
  grantedOn: fields.businessDate,
  expiresOn: fields.businessDate,
});

/** What the 2026 guideline asks a report to show (see docs/collection.md, the rulebooks). */
const procedureFields = {
  recordingRef: fields.id
    .optional()
    .describe('the call’s recording in the bank’s recording system (an id); every call carries one under CN-2026.1 (422 CONTACT_RECORDING_MISSING)'),
  accompaniedBy: z
    .array(fields.id)
    .max(5)
    .optional()
    .describe('the other collectors on a field visit; CN-2026.1 asks for 2 collectors in all (422 CONTACT_FIELD_VISIT_UNDERSTAFFED)'),
  identified: z
    .boolean()
    .optional()
    .describe(
      'the contact opened by naming the bank (and the agency acting for it); required of a case’s first call or visit that reaches someone under CN-2026.1 (422 CONTACT_IDENTIFICATION_MISSING)',
    ),
};

const PromiseBody = z.strictObject({ promiseId: fields.id.optional(), amount: fields.positiveFen, dueOn: fields.businessDate });

export const ContactBody = z.strictObject({
  attemptId: fields.id.optional().describe('unique per attempt; defaults to the Idempotency-Key, else a new id'),
  actionId: z.string().min(1).max(300).optional().describe('the scheduled action performed'),
  channel,
  outcome: z.enum(OUTCOMES),
  at: instant
    .optional()
    .describe(
      'when the contact was made; defaults to when the request is received. Must fall on the open business date in the debtor’s time zone (422 OCCURRED_OUTSIDE_BUSINESS_DAY), not before the case opened (422 OCCURRED_BEFORE_CASE_OPENED)',
    ),
  party: z.enum(['DEBTOR', 'THIRD_PARTY']).default('DEBTOR'),
  thirdPartyContactId: fields.id.optional().describe('the third party’s contact id in the personal-data vault'),
  debtDisclosed: z.boolean().default(false),
  visitId: fields.id.optional(),
  promise: PromiseBody.optional(),
  ...procedureFields,
});

export const FieldVisitBody = z.strictObject({ visitId: fields.id, plannedOn: fields.businessDate, reason });
export const FieldVisitReportBody = z.strictObject({
  attemptId: fields.id.optional(),
  outcome: z.enum(OUTCOMES),
  at: instant.optional(),
  promise: PromiseBody.optional(),
  accompaniedBy: procedureFields.accompaniedBy,
  identified: procedureFields.identified,
});

export const AdjustPlanBody = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('SKIP'), stepId: fields.id, reason }),
  z.strictObject({ kind: z.literal('MOVE'), stepId: fields.id, to: timing, reason }),
  z.strictObject({ kind: z.literal('ADD'), step: StepBody, reason }),
]);

export const ReassignBody = z.strictObject({ collectorId: fields.id, reason, businessDate: fields.businessDate.optional() });
export const HoldBody = z.strictObject({
  holdId: fields.id.optional(),
  reason: z.enum(HOLD_REASONS as unknown as [string, ...string[]]),
  since: fields.businessDate.optional(),
});
export const ReleaseHoldBody = z.strictObject({ resolution: reason, on: fields.businessDate.optional() });
export const CloseCaseBody = z.strictObject({ reason: z.literal('WRITTEN_OFF'), closedOn: fields.businessDate.optional(), note: reason });

export const OptOutBody = z.strictObject({ channel, optedOut: z.boolean() });
export const ThirdPartyExceptionBody = z.strictObject({
  exceptionId: fields.id,
  reason: z.enum(THIRD_PARTY_EXCEPTIONS as unknown as [string, ...string[]]),
});
export const EndOfDayBody = z.strictObject({ businessDate: fields.businessDate });

export const RulebookImpactBody = z.strictObject({
  rules: ContactRulesBody.shape.rules.describe('the proposed rulebook'),
  from: fields.businessDate.describe('first local date of the contacts judged again'),
  to: fields.businessDate.describe('last local date (inclusive)'),
});

export const DispatchRunBody = z.strictObject({
  at: instant.describe('the instant of the run (the scheduler’s); an action is judged only if it falls on the open business date in the debtor’s zone'),
});

export const CaseListQuery = z.strictObject({
  stage: stage.optional(),
  grade: grade.optional(),
  status: z.enum(['OPEN', 'ON_HOLD', 'CLOSED']).optional(),
  collectorId: fields.id.optional(),
  team: fields.id.optional(),
  variant: z.enum(['champion', 'challenger']).optional(),
  strategyId: fields.id.optional(),
  queue: z.string().max(10).optional(),
  unassigned: z.enum(['true', 'false']).optional(),
  page: fields.page,
  pageSize: fields.pageSize,
});
export const WorkQueueQuery = z.strictObject({
  date: fields.businessDate.optional().describe('business date (defaults to the open business date of Loans’ calendar)'),
  collectorId: fields.id.optional().describe('a supervisor may look at a collector of their team'),
});
export const TeamQuery = z.strictObject({ date: fields.businessDate.optional() });

export const CaseWhatIfQuery = z.strictObject({
  strategyId: fields.id,
  version: z.coerce.number().int().min(1).max(100_000),
  through: fields.businessDate.optional().describe('the last business day to replay (default: the close date, else the latest date the case names)'),
});
