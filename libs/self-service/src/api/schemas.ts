import { z } from 'zod';
import { fields } from '#platform';
import { HARDSHIP_REASONS } from '#restructuring';
import { COMPLAINT_CATEGORIES, COMPLAINT_KINDS, COMPLAINT_OUTCOMES, REMEDIES } from '../domain/complaint.js';

/** Request bodies and queries of the self-service and complaints API. Bad input never reaches the domain. */

const documentRef = z
  .string()
  .regex(/^[A-Za-z0-9._:/-]{1,128}$/, 'a document reference (letters, digits and . _ : / -), never the document itself')
  .describe('reference to a document in the bank’s document store (what the customer wrote, an income proof); never the text itself');

export const EmptyBody = z.strictObject({});

export const PromiseBody = z.strictObject({
  promiseId: fields.id.optional().describe('client-chosen id; derived from the Idempotency-Key (or generated) when absent'),
  amount: fields.positiveFen.describe('the amount the customer promises to pay, in fen'),
  dueOn: fields.businessDate.describe('the date by which they will pay (from today up to the strategy’s horizon)'),
});

const months = (max: number) => z.number().int().min(1).max(max);
export const SelfServiceTerms = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('DEFERRAL'), deferMonths: months(120).describe('months the remaining installments move out') }),
  z.strictObject({
    type: z.literal('INSTALLMENT_PLAN'),
    method: z.enum(['EQUAL_INSTALLMENT', 'EQUAL_PRINCIPAL']).describe('EQUAL_INSTALLMENT (等额本息) or EQUAL_PRINCIPAL (等额本金)'),
    tenorMonths: months(600),
    annualRateBps: z.number().int().min(0).max(10_000).describe('annual interest rate in basis points (the rate the app offers for the product)'),
  }),
  z.strictObject({ type: z.literal('FEE_WAIVER'), waiverAmount: fields.positiveFen.describe('penalty to waive, in fen') }),
]);

export const SelfServiceRestructuringBody = z.strictObject({
  requestId: fields.id.optional().describe('client-chosen id; derived from the Idempotency-Key (or generated) when absent'),
  terms: SelfServiceTerms,
  hardship: z.strictObject({
    reasonCode: z.enum(HARDSHIP_REASONS).describe('why the customer cannot pay as scheduled'),
    evidenceRefs: z.array(documentRef).min(1).max(20).describe('income evidence and other documents the customer uploaded to the bank'),
  }),
  monthlyIncome: fields.fen.describe('the customer’s stated monthly income, in fen'),
});

export const OptOutBody = z.strictObject({
  channel: z.enum(['SMS', 'EMAIL']).describe('a channel the contact rules offer an opt-out of'),
  optedOut: z.boolean().describe('true: stop this channel; false: allow it again'),
});

export const CustomerComplaintBody = z.strictObject({
  complaintId: fields.id.optional().describe('client-chosen id; derived from the Idempotency-Key (or generated) when absent'),
  kind: z.enum(COMPLAINT_KINDS).describe('DISPUTE: the debt itself is contested (amount, not mine); COMPLAINT: how the bank or its agents acted'),
  category: z.enum(COMPLAINT_CATEGORIES),
  loanId: fields.id.optional().describe('the loan it is about; absent: all the customer’s open cases'),
  statementRef: documentRef.optional(),
});

export const StaffComplaintBody = CustomerComplaintBody.extend({
  customerId: fields.id.describe('the customer who complains'),
  source: z.enum(['STAFF', 'REGULATOR']).describe('STAFF: raised for the customer after a call or visit; REGULATOR: a referral (statementRef names the letter)'),
});

export const ResolveBody = z.strictObject({
  outcome: z.enum(COMPLAINT_OUTCOMES),
  remedies: z.array(z.enum(REMEDIES)).min(1).max(REMEDIES.length).describe('what the bank does about it (NONE when not upheld)'),
  resolutionRef: documentRef.optional().describe('the investigation report and the answer sent to the customer'),
});

export const ComplaintListQuery = z.strictObject({
  status: z.enum(['OPEN', 'RAISED', 'ACKNOWLEDGED', 'INVESTIGATING', 'RESOLVED']).optional().describe('OPEN: every status but RESOLVED'),
  kind: z.enum(COMPLAINT_KINDS).optional(),
  customerId: fields.id.optional(),
  escalated: z.enum(['true', 'false']).optional().describe('only those escalated (true) or never escalated (false)'),
  page: fields.page,
  pageSize: fields.pageSize,
});
