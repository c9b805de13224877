import { fold } from '#kernel';
import { deciderSpec } from '#kernel/testing';
import { CN_2026_CONTACT_RULES, rulesBookDecider, type RulesBookEvent } from '../src/domain/index.js';

const book = deciderSpec(rulesBookDecider);
const rm1 = { id: 'rm-1', role: 'risk_manager' as const };
const rm2 = { id: 'rm-2', role: 'risk_manager' as const };
const rules = { ...CN_2026_CONTACT_RULES, version: 'BANK-2026.2', voice: { ...CN_2026_CONTACT_RULES.voice, maxDialAttemptsPerDay: 4 } };
const propose = (by = rm1, effectiveFrom = '2026-03-10') =>
  ({ type: 'ProposeContactRules', data: { rules, effectiveFrom, businessDate: '2026-03-05', reason: 'fewer dials', by } }) as const;
const approve = (by = rm2, businessDate = '2026-03-05') => ({ type: 'ApproveContactRules', data: { version: 'BANK-2026.2', businessDate, by } }) as const;

describe('the contact rules book under maker-checker', () => {
  it('a proposed rulebook is not in force; a second person’s approval publishes it', () => {
    const proposed = book.given([]).when(propose()).thenTypes(['ContactRulesProposed']);
    const state = fold(rulesBookDecider.evolve, rulesBookDecider.initialState(), proposed);
    expect(state.published).toEqual([]);
    expect(Object.keys(state.proposed)).toEqual(['BANK-2026.2']);
    const [published] = book.given(proposed).when(approve()).thenTypes(['ContactRulesPublished']);
    expect(published.data).toMatchObject({ effectiveFrom: '2026-03-10', proposedBy: 'rm-1', approvedBy: 'rm-2' });
    const after = fold(rulesBookDecider.evolve, state, [published as RulesBookEvent]);
    expect([after.published.map((p) => p.rules.version), after.proposed]).toEqual([['BANK-2026.2'], {}]);
    // Approved again: nothing new.
    book
      .given([...proposed, published])
      .when(approve())
      .thenTypes([]);
  });

  it('refuses the proposer’s own approval, an approval after the first day, and a version proposed twice', () => {
    const proposed = book.given([]).when(propose()).thenTypes(['ContactRulesProposed']);
    book.given(proposed).when(approve(rm1)).thenError('MAKER_CANNOT_CHECK');
    book.given(proposed).when(approve(rm2, '2026-03-11')).thenError('EFFECTIVE_DATE_IN_PAST');
    book.given(proposed).when(propose(rm2, '2026-03-12')).thenError('CONTACT_RULES_VERSION_EXISTS');
    book.given(proposed).when(propose()).thenTypes([]);
    book.given([]).when(approve()).thenError('CONTACT_RULES_NOT_PROPOSED');
  });
});
