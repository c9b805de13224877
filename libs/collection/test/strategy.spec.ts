import { deciderSpec } from '#kernel/testing';
import {
  chooseVariant,
  resolveStrategy,
  selectStrategy,
  strategyDecider,
  strategyDefinitionProblem,
  variantBucket,
  type StrategyCommand,
  type StrategyEvent,
} from '../src/domain/index.js';
import { M1_LADDER, M2_LADDER, catalogEntry, definition, step } from './fixtures.js';

const spec = deciderSpec(strategyDecider);
const alice = { id: 'alice', role: 'risk_manager' as const };
const bob = { id: 'bob', role: 'risk_manager' as const };

const proposed = (version = 1, def = definition(), reviewId: string | null = null): StrategyEvent => ({
  type: 'StrategyVersionProposed',
  data: { strategyId: 'std-C', version, definition: def, reason: 'baseline', proposedBy: 'alice', reviewId },
});
const approved = (version = 1): StrategyEvent => ({ type: 'StrategyVersionApproved', data: { strategyId: 'std-C', version, approvedBy: 'bob' } });
const activated = (version = 1, effectiveFrom = '2025-01-01', supersedes: number | null = null): StrategyEvent => ({
  type: 'StrategyVersionActivated',
  data: { strategyId: 'std-C', version, effectiveFrom, activatedBy: 'bob', supersedes },
});

/** alice proposing std-C with the default definition and reason 'baseline', unless `data` says otherwise. */
const propose = (data: Partial<Extract<StrategyCommand, { type: 'ProposeStrategyVersion' }>['data']> = {}): StrategyCommand => ({
  type: 'ProposeStrategyVersion',
  data: { strategyId: 'std-C', definition: definition(), reason: 'baseline', by: alice, ...data },
});

describe('CollectionStrategy maker-checker', () => {
  it('records a proposal by a risk manager as version 1, then numbers versions on', () => {
    spec
      .given([])
      .when(propose())
      .then([proposed(1)]);
    spec
      .given([proposed(1), approved(1), activated(1)])
      .when(propose())
      .then([proposed(2)]);
  });

  it('records the champion/challenger review a proposal cites', () => {
    spec
      .given([proposed(1), approved(1), activated(1)])
      .when(propose({ reviewId: 'rev-42', reviewFound: true }))
      .then([proposed(2, definition(), 'rev-42')]);
  });

  it('refuses to cite a review that does not exist', () => {
    spec
      .given([proposed(1), approved(1), activated(1)])
      .when(propose({ reviewId: 'rev-43', reviewFound: false }))
      .thenError('REVIEW_NOT_FOUND');
    spec
      .given([])
      .when(propose({ reviewId: 'rev-43' }))
      .thenError('REVIEW_NOT_FOUND');
  });

  it('refuses proposals from other roles, a second pending proposal, and proposals without a reason', () => {
    const refusals: [given: StrategyEvent[], proposal: StrategyCommand, code: string][] = [
      [[], propose({ reason: 'x', by: { id: 'sam', role: 'supervisor' } }), 'RISK_MANAGER_REQUIRED'],
      [[proposed(1)], propose({ reason: 'again' }), 'STRATEGY_PROPOSAL_PENDING'],
      [[], propose({ reason: '  ' }), 'REASON_REQUIRED'],
    ];
    for (const [given, proposal, code] of refusals) spec.given(given).when(proposal).thenError(code);
  });

  it('lets another risk manager approve, never the proposer', () => {
    spec
      .given([proposed(1)])
      .when({ type: 'ApproveStrategyVersion', data: { strategyId: 'std-C', version: 1, by: alice } })
      .thenError('MAKER_CANNOT_CHECK');
    spec
      .given([proposed(1)])
      .when({ type: 'ApproveStrategyVersion', data: { strategyId: 'std-C', version: 1, by: bob } })
      .then([approved(1)]);
    spec
      .given([proposed(1), approved(1)])
      .when({ type: 'ApproveStrategyVersion', data: { strategyId: 'std-C', version: 1, by: bob } })
      .then([]);
    spec
      .given([proposed(1)])
      .when({ type: 'ApproveStrategyVersion', data: { strategyId: 'std-C', version: 1, by: { id: 'root', role: 'admin' } } })
      .thenError('RISK_MANAGER_REQUIRED');
    spec
      .given([proposed(1)])
      .when({ type: 'ApproveStrategyVersion', data: { strategyId: 'std-C', version: 2, by: bob } })
      .thenError('STRATEGY_VERSION_NOT_FOUND');
  });

  it('rejects with a reason; a rejected version can be neither approved nor activated', () => {
    const rejected: StrategyEvent = { type: 'StrategyVersionRejected', data: { strategyId: 'std-C', version: 1, rejectedBy: 'bob', reason: 'too soft' } };
    spec
      .given([proposed(1)])
      .when({ type: 'RejectStrategyVersion', data: { strategyId: 'std-C', version: 1, reason: 'too soft', by: bob } })
      .then([rejected]);
    spec
      .given([proposed(1), rejected])
      .when({ type: 'ApproveStrategyVersion', data: { strategyId: 'std-C', version: 1, by: bob } })
      .thenError('STRATEGY_NOT_PROPOSED');
    spec
      .given([proposed(1), rejected])
      .when({ type: 'ActivateStrategyVersion', data: { strategyId: 'std-C', version: 1, effectiveFrom: '2025-01-01', businessDate: '2025-01-01', by: bob } })
      .thenError('STRATEGY_NOT_APPROVED');
  });

  it('activates an approved version from a business date, not backdated, recording the version it supersedes', () => {
    const activate = (version: number, effectiveFrom: string, businessDate = '2025-01-01') => ({
      type: 'ActivateStrategyVersion' as const,
      data: { strategyId: 'std-C', version, effectiveFrom, businessDate, by: bob },
    });
    spec
      .given([proposed(1)])
      .when(activate(1, '2025-01-01'))
      .thenError('STRATEGY_NOT_APPROVED');
    spec
      .given([proposed(1), approved(1)])
      .when(activate(1, '2024-12-31'))
      .thenError('EFFECTIVE_DATE_IN_PAST');
    spec
      .given([proposed(1), approved(1)])
      .when(activate(1, '2025-01-01'))
      .then([activated(1)]);
    spec
      .given([proposed(1), approved(1), activated(1), proposed(2), approved(2)])
      .when(activate(2, '2025-03-01', '2025-02-10'))
      .then([activated(2, '2025-03-01', 1)]);
  });

  it('refuses ladders that are not well formed', () => {
    const bad = [
      definition({ keys: [] }),
      definition({ champion: [] }),
      definition({ champion: [M1_LADDER[0], M1_LADDER[0]] }),
      definition({ champion: [{ ...M1_LADDER[0], when: { dpdDay: 1, daysBeforeDue: 3 } as never }] }),
      definition({ champion: [{ ...M1_LADDER[0], priority: 0 }] }),
      definition({ champion: [{ ...M2_LADDER[1], performer: 'EXECUTOR' }] }),
      definition({ challenger: { ladder: M1_LADDER, trafficSharePct: 100 } }),
      definition({ keys: [{ grade: 'Z' as never, stage: 'M1' }] }),
    ];
    for (const def of bad) {
      spec
        .given([])
        .when(propose({ definition: def, reason: 'x' }))
        .thenError('INVALID_STRATEGY');
    }
  });
});

describe('strategy selection across versions', () => {
  const v1 = catalogEntry('std-C', 1, '2025-01-01', 10);
  const v2 = catalogEntry('std-C', 2, '2025-03-01', 20, definition({ champion: [step('sms-2', { dpdDay: 2 }, 'SMS', 'REMINDER')] }));
  const otherKey = catalogEntry('std-E', 1, '2025-01-01', 5, definition({ keys: [{ grade: 'E', stage: 'M1' }] }));

  it('picks the version in force on the date for the (grade, stage) key', () => {
    expect(selectStrategy([v1, v2, otherKey], 'C', 'M1', '2025-02-28')?.version).toBe(1);
    expect(selectStrategy([v1, v2, otherKey], 'C', 'M1', '2025-03-01')?.version).toBe(2);
    expect(selectStrategy([v1, v2, otherKey], 'E', 'M1', '2025-03-01')?.strategyId).toBe('std-E');
    expect(selectStrategy([v1, v2, otherKey], 'C', 'M2', '2025-03-01')).toBeNull();
    expect(selectStrategy([v1, v2], 'C', 'M1', '2024-12-31')).toBeNull();
  });

  it('on the same effective date, the version activated last wins', () => {
    const other = catalogEntry('alt-C', 1, '2025-03-01', 30);
    expect(selectStrategy([v1, v2, other], 'C', 'M1', '2025-03-05')?.strategyId).toBe('alt-C');
    expect(selectStrategy([other, v2, v1], 'C', 'M1', '2025-03-05')?.strategyId).toBe('alt-C');
  });
});

describe('champion / challenger', () => {
  const ids = Array.from({ length: 10_000 }, (_, i) => `L${i}-E1`);

  it('chooses the same arm for the same case every time', () => {
    for (const id of ids.slice(0, 200)) {
      expect(chooseVariant('std-C', id, 30)).toBe(chooseVariant('std-C', id, 30));
      expect(variantBucket('std-C', id)).toBe(variantBucket('std-C', id));
    }
  });

  it('sends about the challenger share of cases to the challenger', () => {
    const challengers = ids.filter((id) => chooseVariant('std-C', id, 30) === 'challenger').length;
    expect(challengers).toBeGreaterThan(2_800);
    expect(challengers).toBeLessThan(3_200);
    expect(ids.filter((id) => chooseVariant('std-C', id, null) === 'challenger')).toHaveLength(0);
  });

  it('is monotonic in the share: a case in the challenger at 10% stays there at 20%', () => {
    for (const id of ids.slice(0, 2_000)) {
      if (chooseVariant('std-C', id, 10) === 'challenger') expect(chooseVariant('std-C', id, 20)).toBe('challenger');
    }
  });

  it('gives a challenger case the challenger ladder and records the arm', () => {
    const challengerLadder = [step('app-1', { dpdDay: 1 }, 'APP_PUSH', 'EDUCATION')];
    const entry = catalogEntry('std-C', 3, '2025-01-01', 1, definition({ challenger: { ladder: challengerLadder, trafficSharePct: 50 } }));
    const inChallenger = ids.find((id) => chooseVariant('std-C', id, 50) === 'challenger')!;
    const inChampion = ids.find((id) => chooseVariant('std-C', id, 50) === 'champion')!;
    const byCase = (caseId: string) => ({ caseId, loanId: 'L-x', customerId: 'cust-x' });
    expect(resolveStrategy(entry, byCase(inChallenger))).toMatchObject({
      ref: { strategyId: 'std-C', version: 3, variant: 'challenger' },
      ladder: challengerLadder,
    });
    expect(resolveStrategy(entry, byCase(inChampion))).toMatchObject({ ref: { variant: 'champion' }, ladder: M1_LADDER });
  });

  it('draws the arm by loan when the version says so: a loan that cures and falls behind again keeps its arm; by case it need not', () => {
    const challengerLadder = [step('app-1', { dpdDay: 1 }, 'APP_PUSH', 'EDUCATION')];
    const challenger = { ladder: challengerLadder, trafficSharePct: 50 };
    const byLoan = catalogEntry('std-C', 4, '2025-01-01', 1, definition({ challenger, assignmentUnit: 'LOAN' }));
    const byCase = catalogEntry('std-C', 4, '2025-01-01', 1, definition({ challenger }));
    const loans = Array.from({ length: 200 }, (_, i) => `L-${i}`);
    const arm = (entry: typeof byLoan, loanId: string, episode: number) =>
      resolveStrategy(entry, { caseId: `${loanId}-E${episode}`, loanId, customerId: `c-${loanId}` }).ref.variant;
    expect(loans.filter((l) => arm(byLoan, l, 1) !== arm(byLoan, l, 2))).toEqual([]);
    expect(loans.filter((l) => arm(byCase, l, 1) !== arm(byCase, l, 2)).length).toBeGreaterThan(50);
    expect(new Set(loans.map((l) => arm(byLoan, l, 1)))).toEqual(new Set(['champion', 'challenger']));
    expect(strategyDefinitionProblem(definition({ assignmentUnit: 'BRANCH' as never }))).toMatchObject({ code: 'INVALID_STRATEGY' });
  });
});
