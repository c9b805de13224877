import { isDomainError } from '#kernel';
import { DEFAULT_CONTACT_RULES, caseDecider, gateVerdict, type CaseEvent } from '../src/domain/index.js';
import { CASE, M1_LADDER, attempt, history, openCase, resolved, run, step, types } from './fixtures.js';

/**
 * A case placed with a collection agency (Agencies sends MarkPlaced when its placement starts and
 * EndPlacement when it is recalled): the bank's collectors stop working it, the agency's contacts
 * (executor `agency:<id>`) go on, and only the plan's LETTER steps are scheduled meanwhile. The
 * case opens on 2025-03-02 at DPD 1 on the M1 ladder (call on day 3, letter on day 20).
 */
const placed = { type: 'MarkPlaced' as const, data: { caseId: CASE, placementId: `${CASE}-P1`, agencyId: 'ag-1', since: '2025-03-02' } };
const ended = { type: 'EndPlacement' as const, data: { caseId: CASE, placementId: `${CASE}-P1`, reason: 'SUPERVISOR', on: '2025-03-04' } };
const closeDay = (businessDate: string, dpd: number) => ({
  type: 'CloseCaseDay' as const,
  data: { caseId: CASE, businessDate, dpd, nextDueDate: '2025-04-01' },
});
const scheduledSteps = (events: readonly CaseEvent[]) => events.flatMap((e) => (e.type === 'ActionScheduled' ? [e.data.stepId] : []));
const codeOf = (r: ReturnType<typeof caseDecider.decide>) => (isDomainError(r) ? r.code : null);

describe('a case placed with an agency', () => {
  it('records the placement once and its end once; another placement while one is in force is refused', () => {
    const { state } = history(openCase());
    expect(run(state, placed)).toEqual([
      { type: 'CasePlacedWithAgency', data: { caseId: CASE, placementId: `${CASE}-P1`, agencyId: 'ag-1', since: '2025-03-02' } },
    ]);
    const onPlacement = history(openCase(), placed).state;
    expect(caseDecider.decide(placed, onPlacement)).toEqual([]);
    expect(codeOf(caseDecider.decide({ type: 'MarkPlaced', data: { ...placed.data, placementId: `${CASE}-P2`, agencyId: 'ag-2' } }, onPlacement))).toBe(
      'CASE_PLACED_WITH_AGENCY',
    );
    expect(run(onPlacement, ended)).toEqual([
      { type: 'CasePlacementEnded', data: { caseId: CASE, placementId: `${CASE}-P1`, agencyId: 'ag-1', reason: 'SUPERVISOR', on: '2025-03-04' } },
    ]);
    expect(caseDecider.decide(ended, history(openCase(), placed, ended).state)).toEqual([]);
    // A placement the case never held (cancelled before it started) ends as nothing new.
    expect(caseDecider.decide(ended, state)).toEqual([]);
    expect(codeOf(caseDecider.decide({ type: 'MarkPlaced', data: { ...placed.data, since: '2025-3-2' } }, state))).toBe('INVALID_DATE');
  });

  it('refuses a bank collector’s attempt with 409 CASE_PLACED_WITH_AGENCY, recording nothing, and takes the agency’s', () => {
    const { state } = history(openCase(), placed);
    const refused = caseDecider.decide(attempt(), state);
    expect(isDomainError(refused) && { code: refused.code, category: refused.category, details: refused.details }).toEqual({
      code: 'CASE_PLACED_WITH_AGENCY',
      category: 'conflict',
      details: { placementId: `${CASE}-P1`, agencyId: 'ag-1', since: '2025-03-02' },
    });
    expect(types(run(state, attempt({ attemptId: 'ag-att-1', by: { kind: 'EXECUTOR', id: 'agency:ag-1' } }, { collectorCertifications: null })))).toEqual([
      'ContactAttempted',
    ]);
  });

  it('lets the bank’s collectors work the case again once the placement ends', () => {
    expect(types(run(history(openCase(), placed, ended).state, attempt()))).toEqual(['ContactAttempted']);
  });

  it('schedules only the plan’s LETTER steps while placed; the rest waits for the placement’s end', () => {
    const { state } = history(openCase(), placed);
    expect(scheduledSteps(run(state, closeDay('2025-03-04', 3)))).toEqual([]);
    expect(scheduledSteps(run(state, closeDay('2025-03-21', 20)))).toEqual(['letter-20']);
    const after = history(openCase(), placed, closeDay('2025-03-04', 3), ended).state;
    expect(scheduledSteps(run(after, closeDay('2025-03-05', 4)))).toEqual(['call-3']);
  });

  it('schedules a step its strategy keeps during a placement (duringPlacement), and holds back a letter the strategy does not keep', () => {
    const ladder = [
      ...M1_LADDER.filter((s) => s.stepId !== 'call-3' && s.stepId !== 'letter-20'),
      step('call-3', { dpdDay: 3 }, 'CALL', 'NEGOTIATION', { priority: 1, duringPlacement: true }),
      step('letter-20', { dpdDay: 20 }, 'LETTER', 'DEMAND', { priority: 2, duringPlacement: false }),
    ];
    const { state } = history(openCase({ strategy: resolved(ladder) }), placed);
    const scheduled = run(state, closeDay('2025-03-04', 3));
    expect(scheduledSteps(scheduled)).toEqual(['call-3']);
    expect(scheduled.find((e) => e.type === 'ActionScheduled')?.data).toMatchObject({ stepId: 'call-3', duringPlacement: true });
    const afterCall = history(openCase({ strategy: resolved(ladder) }), placed, closeDay('2025-03-04', 3)).state;
    expect(scheduledSteps(run(afterCall, closeDay('2025-03-21', 20)))).toEqual([]);
  });

  it('has the dispatch gate withhold the bank’s scheduled actions other than letters (CONTACT_CASE_PLACED)', () => {
    const ledger = { stops: {}, optedOut: [], effectiveCalls: {}, dialAttempts: {}, releasedCalls: {} };
    const judge = (channel: 'SMS' | 'LETTER', placedWith: string | null) =>
      gateVerdict(
        { actionId: `${CASE}/a`, channel, caseId: CASE },
        '2025-03-03T02:00:00Z',
        'Asia/Shanghai',
        { status: 'open', holds: {}, placedWith },
        ledger,
        DEFAULT_CONTACT_RULES,
      );
    expect(judge('SMS', 'ag-1')).toMatchObject({ kind: 'withhold', code: 'CONTACT_CASE_PLACED', details: { agencyId: 'ag-1' } });
    expect(judge('LETTER', 'ag-1').kind).toBe('release');
    expect(judge('SMS', null).kind).toBe('release');
    // A step the strategy keeps during a placement goes out; a letter it does not keep is withheld.
    const flagged = (channel: 'SMS' | 'LETTER', duringPlacement: boolean) =>
      gateVerdict(
        { actionId: `${CASE}/a`, channel, caseId: CASE, duringPlacement },
        '2025-03-03T02:00:00Z',
        'Asia/Shanghai',
        { status: 'open', holds: {}, placedWith: 'ag-1' },
        ledger,
        DEFAULT_CONTACT_RULES,
      );
    expect(flagged('SMS', true).kind).toBe('release');
    expect(flagged('LETTER', false)).toMatchObject({ kind: 'withhold', code: 'CONTACT_CASE_PLACED' });
  });
});
