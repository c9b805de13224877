import { z } from 'zod';
import { fields } from '#platform';
import { RestructuringRequestBody } from '#restructuring';
import { COMPLAINT_CATEGORIES, COMPLAINT_KINDS, COMPLAINT_OUTCOMES, EXTENSION_REASONS, REMEDIES } from '../domain/complaint.js';

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

/** Restructuring's own request body, less the loan (the path names it) and a declared grade (a customer states none). */
export const SelfServiceRestructuringBody = RestructuringRequestBody.omit({ loanId: true, grade: true });

export const OptionsQuery = z.strictObject({
  monthlyIncome: z.coerce
    .number()
    .int()
    .nonnegative()
    .max(Number.MAX_SAFE_INTEGER)
    .describe('the customer’s stated monthly income, in fen (affordability is judged on it)'),
});

export const OptOutBody = z.strictObject({
  channel: z.enum(['SMS', 'EMAIL']).describe('a channel the contact rules offer an opt-out of'),
  optedOut: z.boolean().describe('true: stop this channel; false: allow it again'),
});

const localTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a local time HH:MM');

export const PreferredTimesBody = z.strictObject({
  channel: z.enum(['CALL', 'SMS', 'EMAIL', 'APP_PUSH']).describe('the channel the times are for'),
  windows: z
    .array(
      z.strictObject({ start: localTime.describe('from (inclusive), local time'), end: localTime.describe('to (exclusive), local time, later the same day') }),
    )
    .max(3)
    .describe('up to three windows a day, in my time zone, inside the hours the contact rules allow; [] clears the preference'),
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
  source: z
    .enum(['STAFF', 'REGULATOR'])
    .describe('STAFF: raised for the customer after a call or visit; REGULATOR: a referral (statementRef names the letter)'),
});

export const ResolveBody = z.strictObject({
  outcome: z.enum(COMPLAINT_OUTCOMES),
  remedies: z.array(z.enum(REMEDIES)).min(1).max(REMEDIES.length).describe('what the bank does about it (NONE when not upheld)'),
  resolutionRef: documentRef.optional().describe('the investigation report and the answer sent to the customer'),
});

export const ExtensionBody = z.strictObject({
  days: z.number().int().min(1).max(90).describe('business days added to the current resolution deadline (up to COMPLAINT_EXTENSION_MAX_DAYS)'),
  reason: z.enum(EXTENSION_REASONS).describe('why the matter needs longer: a complex case, waiting for the customer, or for a third party'),
  noticeRef: documentRef.optional().describe('the notice telling the customer of the extension and why'),
});

export const ComplaintListQuery = z.strictObject({
  status: z.enum(['OPEN', 'RAISED', 'ACKNOWLEDGED', 'INVESTIGATING', 'RESOLVED']).optional().describe('OPEN: every status but RESOLVED'),
  kind: z.enum(COMPLAINT_KINDS).optional(),
  customerId: fields.id.optional(),
  escalated: z.enum(['true', 'false']).optional().describe('only those escalated (true) or never escalated (false)'),
  page: fields.page,
  pageSize: fields.pageSize,
});
