import { deciderSpec } from '#kernel/testing';
import { caseDecider } from '../src/domain/index.js';
import { CASE, OPENED, history, openCase } from './fixtures.js';

const spec = deciderSpec(caseDecider);

const close = (loanWrittenOffOn?: string | null) => ({
  type: 'CloseCase' as const,
  data: { caseId: CASE, reason: 'WRITTEN_OFF' as const, closedOn: OPENED, ...(loanWrittenOffOn !== undefined ? { loanWrittenOffOn } : {}) },
});

describe('closing a case as written off', () => {
  it('is refused (LOAN_NOT_WRITTEN_OFF, a conflict) until Loans has written the loan off', () => {
    const open = history(openCase()).events;
    expect(spec.given(open).when(close()).thenError('LOAN_NOT_WRITTEN_OFF').category).toBe('conflict');
    spec.given(open).when(close(null)).thenError('LOAN_NOT_WRITTEN_OFF');
  });

  it('follows the Loans write-off, once', () => {
    const open = history(openCase()).events;
    spec.given(open).when(close(OPENED)).thenTypes(['CaseClosed']);
    const closed = history(openCase(), close(OPENED)).events;
    spec.given(closed).when(close(null)).then([]);
  });
});
