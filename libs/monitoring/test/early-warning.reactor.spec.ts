import { ProjectionRunner } from '#projections';
import { EARLY_WARNING_REACTOR, earlyWarningReactor } from '../src/application/early-warning.reactor.js';
import { MonitoringRuntime } from '../src/application/runtime.js';
import { DEFAULT_MONITORING_SETTINGS } from '../src/application/settings.js';
import type { EarlyWarningRaised } from '../src/domain/customer-watch.js';
import { warningsProjection } from '../src/read-model/warnings.projection.js';
import { caughtUp, liveStore, Scenario } from './scenario.js';

describe('early-warning reactor over the live stream', () => {
  let live: Awaited<ReturnType<typeof liveStore>>;
  beforeEach(async () => {
    live = await liveStore();
  });
  afterEach(() => live.close());

  async function customerStream(customerId: string) {
    return live.store.readStream(`monitoring.customer-${customerId}`);
  }

  it('raises warnings per customer from loans, collection and grading events, once per episode, and closes the episode on a cure', async () => {
    const { db, store } = live;
    const s = new Scenario(store);
    await s.loanRegistered('L1', 'C1', 300_000, '2026-10-01');
    await s.loanRegistered('L2', 'C1', 300_000, '2026-10-01');
    await s.loanRegistered('L9', 'C9', 300_000, '2026-10-01');
    await s.caseOpened('K1', 'L1', 'C1', { strategyId: 'S1', version: 1, variant: 'champion', grade: 'B', stage: 'M1', overdue: 101_000 }, '2026-10-29');
    await s.payment('L1', 'P1', 50_000, 40_000, '2026-10-29'); // installment 1 (due 10-28, owes 101,000): partial
    await s.payment('L1', 'P2', 20_000, 15_000, '2026-10-30'); // partial again: same episode, not raised again
    await s.delinquent('L1', 'M1', 2, 31_000, '2026-10-30'); // DPD rising
    await s.promiseBroken('K1', 'PR1', '2026-11-02'); // through the case to C1
    await s.graded('C1', 'C', 'B', '2026-11-02'); // downgrade
    await s.profile('C9', { bureauScore: 700, monthlyIncome: 1_000_000 }, '2026-10-01');
    await s.profile('C9', { bureauScore: 650, monthlyIncome: 990_000 }, '2026-11-01'); // score −50: C9 warned
    await s.cured('L1', '2026-11-05'); // C1 current again: episode 1 closes
    await s.payment('L2', 'P3', 50_000, 40_000, '2026-11-06'); // partial on the other loan: episode 2, raised again

    const runtime = new MonitoringRuntime(DEFAULT_MONITORING_SETTINGS).bind(store);
    const runner = new ProjectionRunner(db.pool, store, [earlyWarningReactor(runtime), warningsProjection], { batchSize: 4 });
    await runner.start();
    await caughtUp(db.pool, EARLY_WARNING_REACTOR, s.last);

    const c1 = await customerStream('C1');
    expect(c1.map((e) => e.type)).toEqual([
      'EarlyWarningRaised',
      'EarlyWarningRaised',
      'EarlyWarningRaised',
      'EarlyWarningRaised',
      'EarlyWarningEpisodeClosed',
      'EarlyWarningRaised',
    ]);
    const raised = c1.filter((e) => e.type === 'EarlyWarningRaised').map((e) => e.data as EarlyWarningRaised['data']);
    expect(raised.map((d) => [d.episode.number, d.signals.map((x) => x.key), d.severity])).toEqual([
      [1, ['PARTIAL_PAYMENT'], 'LOW'],
      [1, ['DPD_RISING:M1'], 'MEDIUM'],
      [1, ['PROMISE_BROKEN'], 'HIGH'],
      [1, ['GRADE_DOWNGRADE:C'], 'HIGH'],
      [2, ['PARTIAL_PAYMENT'], 'LOW'],
    ]);
    expect(raised.every((d) => d.ruleSetVersion === 'EW-1')).toBe(true);
    // The cause of each warning is on record: causation is the source event, the rule set a policy version.
    expect(c1[0].metadata).toMatchObject({
      command: 'RecordObservation',
      actor: { id: `reactor:${EARLY_WARNING_REACTOR}`, role: 'system' },
      policyVersions: { earlyWarningRuleSet: 'EW-1' },
    });
    expect(c1[4].data).toMatchObject({ closedOn: '2026-11-05', reason: 'LoanCured', episode: { number: 1, startedOn: '2026-10-29' } });

    const c9 = (await customerStream('C9')).map((e) => e.data as EarlyWarningRaised['data']);
    expect(c9.map((d) => d.signals.map((x) => x.code))).toEqual([['BUREAU_SCORE_DROP']]);

    // The open-warnings read model: C1 episode 2 open, episode 1 closed, C9 open.
    const lastWarning = [...c1, ...(await customerStream('C9'))]
      .map((e) => e.globalPosition)
      .sort((a, b) => (a.commit === b.commit ? Number(a.prepare - b.prepare) : Number(a.commit - b.commit)))
      .pop()!;
    await caughtUp(db.pool, 'monitoring_warnings', lastWarning);
    const { rows } = await db.pool.query(
      `SELECT customer_id, episode, status, severity, jsonb_array_length(signals) AS n FROM rm_monitoring_warnings ORDER BY customer_id, episode`,
    );
    expect(rows).toEqual([
      { customer_id: 'C1', episode: 1, status: 'CLOSED', severity: 'HIGH', n: 4 },
      { customer_id: 'C1', episode: 2, status: 'OPEN', severity: 'LOW', n: 1 },
      { customer_id: 'C9', episode: 1, status: 'OPEN', severity: 'LOW', n: 1 },
    ]);

    // Replaying every event (a lost checkpoint, a crash before commit) appends nothing new.
    await runner.stop();
    await db.pool.query(`UPDATE projection_checkpoints SET commit_position = 0, prepare_position = 0 WHERE name = $1`, [EARLY_WARNING_REACTOR]);
    await db.pool.query(`TRUNCATE mon_ew_behaviour__g1, mon_ew_refs__g1`);
    const again = new ProjectionRunner(db.pool, store, [earlyWarningReactor(new MonitoringRuntime(DEFAULT_MONITORING_SETTINGS).bind(store))]);
    await again.start();
    await caughtUp(db.pool, EARLY_WARNING_REACTOR, s.last);
    await again.stop();
    expect((await customerStream('C1')).length).toBe(6);
  });
});
