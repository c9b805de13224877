import { z } from 'zod';
import { OUTCOMES } from '#collection';
import { fields } from '#platform';
import { AGENCY_STAGES } from '../domain/agency.js';

/** Request bodies and queries of the agencies API. Bad input never reaches the domain. */

const text = (max: number) => z.string().trim().min(1).max(max);
const bps = z.number().int().min(0).max(5000).describe('basis points (1/100 of a percent), 0 to 5000');

export const EmptyBody = z.strictObject({});
export const ReasonBody = z.strictObject({ reason: text(500) });

const ContractBody = z.strictObject({
  contractNo: fields.id,
  startsOn: fields.businessDate,
  endsOn: fields.businessDate,
  stages: z.array(z.enum(AGENCY_STAGES)).min(1).describe('the delinquency stages the agency may be given'),
  capacity: z.number().int().min(1).max(1_000_000).describe('cases the agency may hold at once'),
  commission: z.strictObject({
    defaultBps: bps,
    byStage: z.partialRecord(z.enum(AGENCY_STAGES), bps).optional().describe('the rate by the stage a case was placed at'),
    bands: z
      .array(z.strictObject({ fromFen: fields.fen, bps }))
      .max(10)
      .optional()
      .describe('rates by cumulative recovery on a placement; the first band starts at 0; a payment crossing a floor is split'),
  }),
});

export const ProposeAgencyBody = z.strictObject({
  agencyId: fields.id,
  name: text(200).describe('the agency’s registered company name (a legal entity, not a person)'),
  licenceRef: fields.id.describe('its business licence or registration reference'),
  contract: ContractBody,
});

export const AmendContractBody = z.strictObject({ contract: ContractBody });

export const CertifyAgentBody = z.strictObject({
  certification: fields.id.describe('e.g. COLLECTION_BASIC, which every agency collector needs to contact a debtor'),
  grantedOn: fields.businessDate,
  expiresOn: fields.businessDate,
});

export const AgencyListQuery = z.strictObject({
  status: z.enum(['PROPOSED', 'ACTIVE', 'REJECTED', 'SUSPENDED']).optional().describe('default ACTIVE: the published list'),
});

export const PlaceBody = z.strictObject({
  caseId: fields.id,
  agencyId: fields.id,
  reason: text(500),
  termDays: z.number().int().min(1).max(366).optional().describe('default: the placement policy’s term'),
});

export const PlacementListQuery = z.strictObject({
  agencyId: fields.id.optional().describe('only the placements with this agency'),
  caseId: fields.id.optional().describe('only the placements of this case'),
  status: z.enum(['NOTICE_PENDING', 'ACTIVE', 'CANCELLED', 'RECALLED']).optional().describe('only placements in this state'),
  limit: z.coerce.number().int().min(1).max(500).default(50).describe('at most this many (default 50)'),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0).describe('skip this many first'),
});

/** A version of the placement rule, proposed by one risk manager and approved by another. */
export const PlacementRuleBody = z.strictObject({
  version: fields.id.describe('the version, never reused (the built-in one is placement-2026.1)'),
  stages: z.array(z.enum(AGENCY_STAGES)).min(1).max(AGENCY_STAGES.length).describe('the stages whose cases the rule places when they enter them'),
  noPromiseKeptDays: z.number().int().min(0).max(365).describe('a case with a promise kept within this many days is not placed'),
  termDays: z.number().int().min(1).max(365).describe('the placement term in days'),
  selection: z.enum(['ROUND_ROBIN', 'BEST_PERFORMANCE']).describe('how the agency is chosen among those with room'),
  notice: z
    .strictObject({ channel: z.enum(['SMS', 'LETTER', 'EMAIL']), templateId: fields.id })
    .describe('the notice the debtor gets before the placement starts'),
});

export const EvaluationQuery = z.strictObject({
  year: z.coerce.number().int().min(2000).max(2100).describe('the calendar year evaluated (placements started, payments recorded, contacts made in it)'),
});

export const AgencyCaseQuery = z.strictObject({
  purpose: z
    .enum(['CONTACT_DEBTOR', 'CONTACT_THIRD_PARTY'])
    .optional()
    .describe('names why the debtor’s personal data is read in clear (the read is logged); absent: masked'),
});

export const AgencyContactBody = z.strictObject({
  attemptId: fields.id.optional().describe('the agency system’s id of the attempt; from the Idempotency-Key when absent'),
  agentId: fields.id.describe('the agency collector who made the contact; holds COLLECTION_BASIC on the day'),
  channel: z.enum(['CALL', 'SMS', 'EMAIL', 'LETTER']).describe('field visits are not open to agencies'),
  outcome: z.enum(OUTCOMES),
  at: z.iso.datetime({ offset: true }).optional().describe('when the contact happened; default: when the request arrived'),
  party: z.enum(['DEBTOR', 'THIRD_PARTY']).optional(),
  thirdPartyContactId: fields.id.optional(),
  promise: z.strictObject({ promiseId: fields.id.optional(), amount: fields.positiveFen, dueOn: fields.businessDate }).optional(),
  recordingRef: fields.id
    .optional()
    .describe('the call’s recording (an id); every call carries one under CN-2026.1 (422 CONTACT_RECORDING_MISSING), an agency’s as the bank’s'),
  identified: z
    .boolean()
    .optional()
    .describe(
      'the contact opened by naming the bank and the agency acting for it; required of a case’s first call that reaches someone under CN-2026.1 (422 CONTACT_IDENTIFICATION_MISSING)',
    ),
});
