import { kpiScenario } from './scenario.js';

/**
 * Recoveries after a write-off count in the recovery rate, against the case closed WRITTEN_OFF.
 *
 *   Nov 2   W1 → M1, case KW (overdue 40,000); W2 → M1, case KX (overdue 10,000)
 *   Nov 6   W1 pays P1 5,000 while KW is open
 *   Nov 20  Loans writes W1 off (LoanWrittenOff); Collection closes KW WRITTEN_OFF
 *   Nov 25  recovery R1 12,000 on W1; Dec 5 recovery R2 30,000 on W1 (beyond the overdue at entry)
 *   Nov 26  W2 pays P2 4,000 while KX is open; W2 was never written off
 */
describe('recovery rate: recoveries after a write-off', () => {
  const fixture = kpiScenario(async (s) => {
    const S1 = { strategyId: 'S1', version: 1, stage: 'M1', grade: 'C' };
    await s.loanRegistered('W1', 'CW1', 300_000, '2026-10-01');
    await s.loanRegistered('W2', 'CW2', 300_000, '2026-10-01');
    await s.delinquent('W1', 'M1', 1, 40_000, '2026-11-02');
    await s.caseOpened('KW', 'W1', 'CW1', { ...S1, variant: 'champion', overdue: 40_000 }, '2026-11-02');
    await s.delinquent('W2', 'M1', 1, 10_000, '2026-11-02');
    await s.caseOpened('KX', 'W2', 'CW2', { ...S1, variant: 'challenger', overdue: 10_000 }, '2026-11-02');
    await s.payment('W1', 'P1', 5_000, 4_000, '2026-11-06');
    await s.append('loans.loan-W1', 'LoanWrittenOff', { requestId: 'wo-1', writtenOffOn: '2026-11-20', amount: 300_000, dpd: 19, stage: 'M1' }, '2026-11-20');
    await s.caseClosed('KW', 'WRITTEN_OFF', '2026-11-20');
    const recovery = (reference: string, amount: number, on: string) =>
      s.append('loans.loan-W1', 'RecoveryReceived', { reference, amount, valueDate: on, businessDate: on, recoveredTotal: amount, offBookBalance: 0 }, on);
    await recovery('R1', 12_000, '2026-11-25');
    await s.payment('W2', 'P2', 4_000, 3_000, '2026-11-26');
    await recovery('R2', 30_000, '2026-12-05');
  }, 3);

  const recoveryRate = async (to: string) => {
    const r = await fixture.kpis.run({ kpi: 'recovery_rate', from: '2026-11-01', to, granularity: 'total', groupBy: ['variant'] });
    return r.rows.map((row) => ({
      variant: row.variant,
      overdue: row.overdueFen,
      collected: row.collectedFen,
      recovered: row.recoveredFen,
      afterWriteOff: row.afterWriteOffFen,
    }));
  };

  it('adds what Loans recovered after the write-off to the written-off case, recorded by `to`, capped at the overdue at entry', async () => {
    // Nov 30: KW 5,000 paid while open + 12,000 recovered; KX 4,000 paid, nothing written off.
    expect(await recoveryRate('2026-11-30')).toEqual([
      { variant: 'challenger', overdue: 10_000, collected: 4_000, recovered: 4_000, afterWriteOff: 0 },
      { variant: 'champion', overdue: 40_000, collected: 17_000, recovered: 17_000, afterWriteOff: 12_000 },
    ]);
    // Dec 31: KW 5,000 + 42,000 = 47,000 collected, capped at the 40,000 overdue at entry.
    expect(await recoveryRate('2026-12-31')).toEqual([
      { variant: 'challenger', overdue: 10_000, collected: 4_000, recovered: 4_000, afterWriteOff: 0 },
      { variant: 'champion', overdue: 40_000, collected: 47_000, recovered: 40_000, afterWriteOff: 42_000 },
    ]);
  });

  it('keeps recoveries off the books: no case holds them, and they take no principal off the balance', async () => {
    const { rows } = await fixture.facts.pool.query(
      `SELECT reference, case_id, principal_fen::int AS principal, recovery FROM mon_payments WHERE loan_id = 'W1' ORDER BY reference`,
    );
    expect(rows).toEqual([
      { reference: 'P1', case_id: 'KW', principal: 4_000, recovery: false },
      { reference: 'R1', case_id: null, principal: 0, recovery: true },
      { reference: 'R2', case_id: null, principal: 0, recovery: true },
    ]);
  });
});
