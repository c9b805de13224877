import { deciderSpec } from '#kernel/testing';
import { agencyDecider, type AgencyContract, type AgencyEvent } from '../src/domain/agency.js';

const contract: AgencyContract = {
  contractNo: 'C-1',
  startsOn: '2026-01-01',
  endsOn: '2026-12-31',
  stages: ['M3', 'M4'],
  capacity: 2,
  commission: { defaultBps: 1000 },
};
const proposed: AgencyEvent = {
  type: 'AgencyProposed',
  data: { agencyId: 'ag-1', name: 'Huadong Recovery Ltd', licenceRef: 'LIC-1', contract, proposedBy: 'rm-1' },
};
const approved: AgencyEvent = { type: 'AgencyApproved', data: { agencyId: 'ag-1', contractNo: 'C-1', approvedBy: 'rm-2' } };
const taken = (caseId: string): AgencyEvent => ({
  type: 'AgencyPlacementTaken',
  data: { agencyId: 'ag-1', caseId, placementId: `${caseId}-P1`, onDate: '2026-03-01' },
});
const take = (caseId: string, stage = 'M3', onDate = '2026-03-01') => ({
  type: 'TakePlacement' as const,
  data: { agencyId: 'ag-1', caseId, placementId: `${caseId}-P1`, stage, onDate },
});

describe('agency: contract under maker-checker', () => {
  const spec = deciderSpec(agencyDecider);

  it('is proposed by one risk manager and approved only by another', () => {
    spec
      .given([])
      .when({ type: 'ProposeAgency', data: { agencyId: 'ag-1', name: 'Huadong Recovery Ltd', licenceRef: 'LIC-1', contract, by: 'rm-1' } })
      .then([proposed]);
    spec
      .given([proposed])
      .when({ type: 'ApproveAgency', data: { agencyId: 'ag-1', by: 'rm-1' } })
      .thenError('MAKER_CANNOT_CHECK');
    spec
      .given([proposed])
      .when({ type: 'ApproveAgency', data: { agencyId: 'ag-1', by: 'rm-2' } })
      .then([approved]);
  });

  it('refuses a contract that ends before it starts or has bands not starting at 0', () => {
    spec
      .given([])
      .when({ type: 'ProposeAgency', data: { agencyId: 'ag-1', name: 'X', licenceRef: 'L', contract: { ...contract, endsOn: '2025-12-31' }, by: 'rm-1' } })
      .thenError('CONTRACT_INVALID');
    const bands = { ...contract, commission: { defaultBps: 0, bands: [{ fromFen: 100, bps: 800 }] } };
    spec
      .given([])
      .when({ type: 'ProposeAgency', data: { agencyId: 'ag-1', name: 'X', licenceRef: 'L', contract: bands, by: 'rm-1' } })
      .thenError('CONTRACT_INVALID');
  });

  it('amends its contract only when a second risk manager approves the amendment', () => {
    const amended = { ...contract, contractNo: 'C-2', capacity: 5 };
    const amendment: AgencyEvent = { type: 'ContractAmendmentProposed', data: { agencyId: 'ag-1', contract: amended, proposedBy: 'rm-2' } };
    spec
      .given([proposed, approved])
      .when({ type: 'ProposeContractAmendment', data: { agencyId: 'ag-1', contract: amended, by: 'rm-2' } })
      .then([amendment]);
    spec
      .given([proposed, approved, amendment])
      .when({ type: 'ApproveContractAmendment', data: { agencyId: 'ag-1', by: 'rm-2' } })
      .thenError('MAKER_CANNOT_CHECK');
    const state = spec.given([
      proposed,
      approved,
      amendment,
      { type: 'ContractAmendmentApproved', data: { agencyId: 'ag-1', contract: amended, approvedBy: 'rm-1' } },
    ]).state;
    expect(state.status !== 'none' && state.contract.capacity).toBe(5);
  });
});

describe('agency: taking placements', () => {
  const spec = deciderSpec(agencyDecider);

  it('takes a case of a stage its contract covers, within the term and its capacity', () => {
    spec
      .given([proposed, approved])
      .when(take('c1'))
      .then([taken('c1')]);
    spec
      .given([proposed, approved, taken('c1'), taken('c2')])
      .when(take('c3'))
      .thenError('AGENCY_AT_CAPACITY');
    spec.given([proposed, approved]).when(take('c1', 'M2')).thenError('STAGE_NOT_IN_CONTRACT');
    spec
      .given([proposed, approved])
      .when(take('c1', 'M3', '2027-01-01'))
      .thenError('CONTRACT_NOT_IN_FORCE');
  });

  it('takes nothing before it is approved or once suspended, and a released case frees its room', () => {
    spec.given([proposed]).when(take('c1')).thenError('AGENCY_NOT_ACTIVE');
    const suspended: AgencyEvent = {
      type: 'AgencySuspended',
      data: { agencyId: 'ag-1', suspendedBy: 'sup-1', reason: 'complaints', suspendedOn: '2026-03-01' },
    };
    spec.given([proposed, approved, suspended]).when(take('c1')).thenError('AGENCY_NOT_ACTIVE');
    const released: AgencyEvent = { type: 'AgencyPlacementReleased', data: { agencyId: 'ag-1', caseId: 'c1', placementId: 'c1-P1' } };
    spec
      .given([proposed, approved, taken('c1'), taken('c2'), released])
      .when(take('c3'))
      .then([taken('c3')]);
    // Taking the same placement twice is one placement.
    spec
      .given([proposed, approved, taken('c1')])
      .when(take('c1'))
      .then([]);
  });
});
