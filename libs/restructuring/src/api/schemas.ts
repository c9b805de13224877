import { z } from 'zod';
import { fields } from '#platform';
import { ACCEPTANCE_CHANNELS, HARDSHIP_REASONS, OFFER_CHANNELS, REJECTION_REASONS } from '../domain/request/events.js';
import { GRADES, STAGES } from '../domain/policy.js';

/** Request bodies and queries of the restructuring API. Bad input never reaches the domain. */

const documentRef = z
  .string()
  .regex(/^[A-Za-z0-9._:/-]{1,128}$/, 'a document reference (letters, digits and . _ : / -), never the document itself')
  .describe('reference to a document in the document store');
const months = (max: number) => z.number().int().min(1).max(max);

const Terms = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('DEFERRAL'), deferMonths: months(120).describe('months the remaining installments move out') }),
  z.strictObject({
    type: z.literal('INSTALLMENT_PLAN'),
    method: z.enum(['EQUAL_INSTALLMENT', 'EQUAL_PRINCIPAL']).describe('EQUAL_INSTALLMENT (等额本息) or EQUAL_PRINCIPAL (等额本金)'),
    tenorMonths: months(600),
    annualRateBps: z.number().int().min(0).max(10_000).describe('annual interest rate in basis points'),
    rounding: z
      .enum(['CUMULATIVE_FLOOR', 'CONSTANT_PAYMENT'])
      .optional()
      .describe(
        'EQUAL_INSTALLMENT only: CONSTANT_PAYMENT (the default when absent; one payment a month, the last absorbs the rounding) or CUMULATIVE_FLOOR (each part within a fen of the formula). The request records the convention chosen.',
      ),
  }),
  z.strictObject({ type: z.literal('FEE_WAIVER'), waiverAmount: fields.positiveFen.describe('penalty to waive, in fen') }),
]);

export const RequestBody = z.strictObject({
  requestId: fields.id.optional().describe('client-chosen id; generated when absent'),
  loanId: fields.id,
  terms: Terms,
  hardship: z.strictObject({
    reasonCode: z.enum(HARDSHIP_REASONS),
    evidenceRefs: z.array(documentRef).min(1).max(20),
  }),
  monthlyIncome: fields.fen.describe('the customer’s declared monthly income, in fen'),
  grade: z.enum(GRADES).optional().describe('the grade shown on the case; used only while grading has published none'),
});

/** Commands whose only inputs are the request and the caller (the business date is the calendar's). */
export const EmptyBody = z.strictObject({});
export const RejectBody = z.strictObject({ reasonCode: z.enum(REJECTION_REASONS) });
export const OfferBody = z.strictObject({ channel: z.enum(OFFER_CHANNELS) });
export const AcceptBody = z.strictObject({
  channel: z.enum(ACCEPTANCE_CHANNELS),
  evidenceRef: documentRef.optional().describe('call recording or signed form; required when a collector records the acceptance'),
});

const gradeList = z.array(z.enum(GRADES)).max(GRADES.length);
const stageList = z.array(z.enum(STAGES)).max(STAGES.length);
const byType = <T extends z.ZodType>(schema: T) => z.strictObject({ DEFERRAL: schema, INSTALLMENT_PLAN: schema, FEE_WAIVER: schema });
const count = (min: number, max: number) => z.number().int().min(min).max(max);

export const PolicyBody = z.strictObject({
  version: z.string().regex(/^[A-Za-z0-9._-]{1,32}$/),
  lookbackMonths: count(0, 120),
  eligibleGrades: byType(gradeList),
  eligibleStages: byType(stageList),
  maxDeferralMonths: count(1, 24),
  minTenorMonths: count(1, 120),
  maxTenorMonths: count(1, 120),
  maxAnnualRateBps: count(0, 10_000),
  maxFeeWaiver: fields.fen,
  minInstallment: fields.positiveFen,
  affordabilityShareBps: count(1, 10_000),
  secondApprovalAbove: z.strictObject({ restructuredPrincipal: fields.fen, feeWaiver: fields.fen }),
  offerValidityDays: count(1, 60),
  feeWaiverSettlementDays: count(1, 60),
  graceDays: count(0, 60),
  observationMonths: count(1, 60),
});

export const RequestIdParam = fields.id;

const STATUSES = [
  'Requested',
  'Assessed',
  'AssessmentFailed',
  'PartiallyApproved',
  'Approved',
  'Rejected',
  'Offered',
  'Accepted',
  'OfferExpired',
  'Active',
  'ActivationFailed',
  'Completed',
  'Broken',
] as const;
const TYPE = z.enum(['DEFERRAL', 'INSTALLMENT_PLAN', 'FEE_WAIVER']);

export const ListQuery = z.strictObject({
  status: z.enum(STATUSES).optional(),
  type: TYPE.optional(),
  loanId: fields.id.optional(),
  customerId: fields.id.optional(),
  page: fields.page,
  pageSize: fields.pageSize,
});

export const QueueQuery = z.strictObject({ type: TYPE.optional(), page: fields.page, pageSize: fields.pageSize });

export const PerformanceQuery = z.strictObject({ activatedFrom: fields.businessDate.optional(), activatedTo: fields.businessDate.optional() });
