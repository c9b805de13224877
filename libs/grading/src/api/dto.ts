import { z } from 'zod';
import { fields } from '#platform';
import { CATEGORIES, GRADES, SCORE_GRADES } from '../domain/grades.js';
import { FACTORS, OVERRIDE_FLAGS, type FactorName } from '../domain/scorecard.js';

/** Request schemas of the Grading API: strict (unknown fields are a 400), integers only. */
const text = (max: number) => z.string().trim().min(1).max(max);
const points = z.number().int().min(-100_000).max(100_000);
const bound = z.number().int().min(-1_000_000_000).max(Number.MAX_SAFE_INTEGER).nullable();

const Bin = z.strictObject({ from: bound.describe('inclusive; null: open below'), to: bound.describe('exclusive; null: open above'), points });
const FactorRule = z.strictObject({ bins: z.array(Bin).min(1).max(20), missingPoints: points.describe('points when the value is unknown') });
const Override = z.discriminatedUnion('action', [
  z.strictObject({ flag: z.enum(OVERRIDE_FLAGS), action: z.literal('hold') }),
  z.strictObject({ flag: z.enum(OVERRIDE_FLAGS), action: z.literal('fixed'), grade: z.enum(SCORE_GRADES) }),
]);

const PolicyDocumentSchema = z.strictObject({
  basePoints: points,
  factors: z.strictObject(Object.fromEntries(FACTORS.map((f) => [f, FactorRule])) as Record<FactorName, typeof FactorRule>),
  thresholds: z.strictObject({ A: points, B: points, C: points, D: points }).describe('minimum score of each grade; below D is E'),
  overrides: z.array(Override).max(OVERRIDE_FLAGS.length),
});

const days = z.number().int().min(0).max(10_000);
const RulesDocumentSchema = z.strictObject({
  specialMentionFromDpd: days,
  substandardOverDpd: days,
  doubtfulOverDpd: days,
  lossOverDpd: days,
  restructuring: z.strictObject({
    observationMonths: z.number().int().min(0).max(120),
    observationPeriods: z.number().int().min(0).max(120),
    missedPaymentCategory: z.enum(CATEGORIES),
    restructuredAgainCategory: z.enum(CATEGORIES),
    keepCategoryBefore: z.boolean(),
  }),
});

export const ProposePolicyBody = z.strictObject({
  policyId: fields.id,
  document: PolicyDocumentSchema,
  reason: text(1_000),
  on: fields.businessDate.optional(),
});
export const ProposeRulesBody = z.strictObject({
  rulesetId: fields.id,
  document: RulesDocumentSchema,
  reason: text(1_000),
  on: fields.businessDate.optional(),
});
export const ApproveBody = z.strictObject({ version: z.number().int().min(1), comment: text(1_000).optional() });
export const RejectBody = z.strictObject({ version: z.number().int().min(1), reason: text(1_000) });
export const ActivateBody = z.strictObject({
  effectiveFrom: fields.businessDate,
  businessDate: fields.businessDate
    .optional()
    .describe("the bank's business date of the activation; if stated, it must be the open business date of Loans' calendar (422 BUSINESS_DATE_NOT_OPEN)"),
});
export const RetireBody = z.strictObject({ reason: text(1_000), on: fields.businessDate.optional() });

export const ProfileBody = z
  .strictObject({
    bureauScore: z.number().int().min(0).max(1_000).nullable().optional(),
    monthlyIncome: fields.fen.nullable().optional(),
    monthlyObligations: fields.fen.nullable().optional(),
    flags: z.strictObject({ activeDispute: z.boolean().optional(), deceased: z.boolean().optional(), suspectedFraud: z.boolean().optional() }).optional(),
    source: z.enum(['core-banking', 'credit-bureau', 'collection', 'manual']),
    asOf: fields.businessDate.optional(),
  })
  .refine((b) => b.bureauScore !== undefined || b.monthlyIncome !== undefined || b.monthlyObligations !== undefined || b.flags !== undefined, {
    message: 'report at least one fact',
  });
export const PromiseOutcomeBody = z.strictObject({ promiseId: fields.id, outcome: z.enum(['kept', 'broken']), on: fields.businessDate });
export const RestructuringOutcomeBody = z.strictObject({
  restructuringId: fields.id,
  status: z.enum(['activated', 'broken', 'completed']),
  on: fields.businessDate,
});
export const StartRunBody = z.strictObject({ kind: z.enum(['regrade', 'reclassify']), asOf: fields.businessDate, runId: fields.id.optional() });

export const PageQuery = z.strictObject({ page: fields.page, pageSize: fields.pageSize });
export const CustomersQuery = z.strictObject({ grade: z.enum(GRADES).optional(), page: fields.page, pageSize: fields.pageSize });
export const VersionsQuery = z.strictObject({
  status: z.enum(['draft', 'rejected', 'replaced', 'approved', 'active', 'retired']).optional(),
  page: fields.page,
  pageSize: fields.pageSize,
});
export const DistributionQuery = z
  .strictObject({ from: fields.businessDate, to: fields.businessDate, granularity: z.enum(['day', 'month']).default('day') })
  .refine((q) => q.from <= q.to, { message: 'from must not be after to', path: ['from'] });
const versionRef = z.string().regex(/^[A-Za-z0-9._:-]{1,64}@[1-9][0-9]{0,8}$/, 'id@version');
export const DiffQuery = z.strictObject({ from: versionRef, to: versionRef });
export const PreviewQuery = z.strictObject({ version: z.coerce.number().int().min(1).optional(), asOf: fields.businessDate.optional() });
export const ClassificationOverrideBody = z.strictObject({
  requestId: fields.id.describe('chosen by the caller; the same request again is a no-op'),
  category: z.enum(CATEGORIES),
  reason: z.string().trim().min(1).max(500),
});

export const ClassificationReportQuery = z.strictObject({
  businessDate: fields.businessDate.describe('the business date reported on'),
  format: z.enum(['json', 'csv']).default('json'),
});

export const ClassificationQuery = z.strictObject({
  category: z.enum(CATEGORIES).optional(),
  customerId: fields.id.optional(),
  page: fields.page,
  pageSize: fields.pageSize,
});
