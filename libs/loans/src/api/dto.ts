import { z } from 'zod';
import { isTimeZone } from '#kernel';
import { fields } from '#platform';
import { DEFAULT_PRODUCT_SETTINGS, type ProductSettings } from '../domain/product.js';
import type { RegisterLoanInput } from '../application/loan-commands.js';

/**
 * Request shapes of the Loans API. Every object is strict (unknown fields are a 400), money is a
 * non-negative integer of fen, dates are ISO calendar dates. Business rules (the schedule summing
 * to the principal, value dates, duplicate references) are the decider's, answered as 404/409/422.
 */

const days = z.number().int().min(0).max(100_000);
const STAGE_VALUES = ['M0', 'M1', 'M2', 'M3', 'M4', 'M5', 'M6', 'M6+'] as const;

const ProductBody = z
  .strictObject({
    waterfall: z
      .strictObject({
        order: z.array(z.enum(['penalty', 'interest', 'principal'])).length(3),
        sweep: z.enum(['installment', 'component']),
      })
      .optional(),
    penaltyAnnualRateBps: z
      .number()
      .int()
      .min(0)
      .max(100_000)
      .nullable()
      .optional()
      .describe('annual penalty rate on overdue principal, basis points; null for none'),
    holdDaysCountTowardDpd: z.boolean().optional(),
    stageBoundaries: z.strictObject({ M0: days, M1: days, M2: days, M3: days, M4: days, M5: days, M6: days }).optional(),
    graceDays: z.number().int().min(0).max(30).optional().describe('days after a due date before an unpaid installment makes the loan past due (default 0)'),
    shortfallToleranceFen: z
      .number()
      .int()
      .min(0)
      .max(10_000)
      .optional()
      .describe('a shortfall of principal and interest up to this many fen does not make the loan past due (default 0)'),
    penaltyRateCapBps: z.number().int().min(0).max(100_000).nullable().optional().describe("the product's own penalty-rate cap, below the legal one"),
    dueDateRoll: z
      .enum(['NONE', 'NEXT_WORKING_DAY'])
      .optional()
      .describe(
        "a due date on a weekend or a public holiday of China's calendar: NONE keeps it (default), NEXT_WORKING_DAY rolls it to the next working day at registration",
      ),
  })
  .describe('product settings; omitted ones take the default product (penalty > interest > principal, oldest first, no penalty rate, 30-day bands)');

const InstallmentBody = z.strictObject({
  seq: z.number().int().min(1).max(1_000),
  dueDate: fields.businessDate,
  principal: fields.fen,
  interest: fields.fen,
});

export const RegisterLoanBody = z.strictObject({
  loanId: fields.id,
  customerId: fields.id,
  productCode: fields.id,
  principal: fields.positiveFen,
  annualRateBps: z.number().int().min(0).max(100_000),
  termMonths: z.number().int().min(1).max(600),
  disbursementDate: fields.businessDate,
  timeZone: z.string().min(1).max(64).refine(isTimeZone, 'an IANA time zone such as Asia/Shanghai'),
  schedule: z.array(InstallmentBody).min(1).max(1_000),
  product: ProductBody.optional(),
});

export const PaymentBody = z.strictObject({
  reference: fields.id.describe('the core-banking transaction reference'),
  amount: fields.positiveFen,
  valueDate: fields.businessDate,
});

export const ReversalBody = z.strictObject({
  reason: z.string().trim().min(1).max(200).describe('why the payment is undone: bounced, charged back, ...'),
});

export const StartCalendarBody = z.strictObject({ openBusinessDate: fields.businessDate });

export const CloseBusinessDayBody = z.strictObject({ businessDate: fields.businessDate.describe('must be the open business date') });

export const LoanListQuery = z
  .strictObject({
    stage: z.enum(STAGE_VALUES).optional(),
    dpdMin: z.coerce.number().int().min(0).max(100_000).optional(),
    dpdMax: z.coerce.number().int().min(0).max(100_000).optional(),
    customerId: fields.id.optional(),
    productCode: fields.id.optional(),
    status: z.enum(['active', 'paid_off', 'written_off']).optional(),
    after: fields.id.optional().describe('cursor: nextCursor of the previous page'),
    limit: z.coerce.number().int().min(1).max(500).default(50),
  })
  .refine((q) => q.dpdMin === undefined || q.dpdMax === undefined || q.dpdMin <= q.dpdMax, { message: 'dpdMin must not exceed dpdMax', path: ['dpdMin'] });

export const AgingQuery = z.strictObject({ from: fields.businessDate.optional(), to: fields.businessDate.optional() });

export function registerLoanInput(body: z.infer<typeof RegisterLoanBody>): RegisterLoanInput {
  const { product, ...rest } = body;
  if (!product) return rest;
  const settings: ProductSettings = {
    waterfall: product.waterfall ?? DEFAULT_PRODUCT_SETTINGS.waterfall,
    penaltyAnnualRateBps: product.penaltyAnnualRateBps === undefined ? DEFAULT_PRODUCT_SETTINGS.penaltyAnnualRateBps : product.penaltyAnnualRateBps,
    holdDaysCountTowardDpd: product.holdDaysCountTowardDpd ?? DEFAULT_PRODUCT_SETTINGS.holdDaysCountTowardDpd,
    stageBoundaries: product.stageBoundaries ?? DEFAULT_PRODUCT_SETTINGS.stageBoundaries,
    ...(product.graceDays !== undefined ? { graceDays: product.graceDays } : {}),
    ...(product.shortfallToleranceFen !== undefined ? { shortfallToleranceFen: product.shortfallToleranceFen } : {}),
    ...(product.penaltyRateCapBps !== undefined ? { penaltyRateCapBps: product.penaltyRateCapBps } : {}),
    ...(product.dueDateRoll !== undefined ? { dueDateRoll: product.dueDateRoll } : {}),
  };
  return { ...rest, product: settings };
}
