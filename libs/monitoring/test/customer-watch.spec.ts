import { deciderSpec } from '#kernel/testing';
import { customerWatchDecider, type CustomerWatchEvent, type RecordObservation } from '../src/domain/customer-watch.js';
import { RULE_SET_V1, type Signal } from '../src/domain/early-warning.rules.js';

const spec = deciderSpec(customerWatchDecider);
const sig = (key: string, weight = 1, sourceEventId = 'e'): Signal => ({
  code: key.split(':')[0] as Signal['code'],
  key,
  weight,
  loanId: null,
  evidence: {},
  sourceEventId,
});
/** A source position that grows with the date (the observed events come in that order here). */
const pos = (asOf: string, n = 0) => `7/${asOf.replaceAll('-', '')}${n}`;
const observe = (asOf: string, signals: Signal[], current = false, n = 0): RecordObservation => ({
  type: 'RecordObservation',
  customerId: 'C1',
  asOf,
  signals,
  current,
  reason: 'Test',
  sourceEventId: `src-${asOf}`,
  sourcePosition: pos(asOf, n),
  ruleSet: RULE_SET_V1,
});
const raised = (
  asOf: string,
  signals: Signal[],
  score: number,
  severity: 'LOW' | 'MEDIUM' | 'HIGH',
  episode = { number: 1, startedOn: '2026-03-01' },
): CustomerWatchEvent => ({
  type: 'EarlyWarningRaised',
  data: { customerId: 'C1', signals, severity, score, ruleSetVersion: 'EW-1', episode, asOf, sourcePosition: pos(asOf) },
});

/** Episode 1 (from 2026-03-01) closed on 2026-03-20 by the observation `sourceEventId`. */
const episode1Closed = (sourceEventId: string): CustomerWatchEvent => ({
  type: 'EarlyWarningEpisodeClosed',
  data: {
    customerId: 'C1',
    episode: { number: 1, startedOn: '2026-03-01' },
    closedOn: '2026-03-20',
    reason: 'Test',
    sourceEventId,
    sourcePosition: pos('2026-03-20'),
  },
});

describe('CustomerWatch decider: episodes and de-duplication', () => {
  const partial = sig('PARTIAL_PAYMENT', 1);
  const broken = sig('PROMISE_BROKEN', 2);

  it('raises the first signal and opens episode 1', () => {
    spec
      .given([])
      .when(observe('2026-03-01', [partial]))
      .then([raised('2026-03-01', [partial], 1, 'LOW')]);
  });

  it('does not raise the same signal twice in one episode', () => {
    spec
      .given([raised('2026-03-01', [partial], 1, 'LOW')])
      .when(observe('2026-03-05', [sig('PARTIAL_PAYMENT', 1, 'other')]))
      .then([]);
  });

  it('raises only the new signals of an observation, with the episode severity growing', () => {
    spec
      .given([raised('2026-03-01', [partial], 1, 'LOW')])
      .when(observe('2026-03-05', [partial, broken, sig('DPD_RISING:M1', 2)]))
      .then([raised('2026-03-05', [broken, sig('DPD_RISING:M1', 2)], 5, 'HIGH')]);
  });

  it('de-duplicates repeated keys within one observation', () => {
    spec
      .given([])
      .when(observe('2026-03-01', [partial, partial]))
      .then([raised('2026-03-01', [partial], 1, 'LOW')]);
  });

  it('treats a further step down (a new key) as news', () => {
    const m1 = sig('DPD_RISING:M1', 2);
    const m2 = sig('DPD_RISING:M2', 2);
    spec
      .given([raised('2026-03-01', [m1], 2, 'MEDIUM')])
      .when(observe('2026-04-01', [m2]))
      .then([raised('2026-04-01', [m2], 4, 'HIGH')]);
  });

  it('closes the episode when the customer is current again, and the same signal then fires in episode 2', () => {
    const closed = episode1Closed('src-2026-03-20');
    spec
      .given([raised('2026-03-01', [partial], 1, 'LOW')])
      .when(observe('2026-03-20', [], true))
      .then([closed]);
    spec
      .given([raised('2026-03-01', [partial], 1, 'LOW'), closed])
      .when(observe('2026-04-12', [partial]))
      .then([raised('2026-04-12', [partial], 1, 'LOW', { number: 2, startedOn: '2026-04-12' })]);
  });

  it('ignores a replayed observation (at or before the last recorded source position)', () => {
    const closed = episode1Closed('x');
    const episode2 = raised('2026-04-12', [partial], 1, 'LOW', { number: 2, startedOn: '2026-04-12' });
    const history = [raised('2026-03-01', [partial], 1, 'LOW'), closed, episode2];
    // An old cure replayed does not close episode 2; an old signal replayed does not join it.
    spec
      .given(history)
      .when(observe('2026-03-20', [], true))
      .then([]);
    spec
      .given(history)
      .when(observe('2026-03-05', [broken]))
      .then([]);
    spec
      .given(history)
      .when(observe('2026-04-12', [broken]))
      .then([]);
    // The next observation after the last recorded one counts again.
    const next = raised('2026-04-12', [broken], 3, 'MEDIUM', { number: 2, startedOn: '2026-04-12' });
    spec
      .given(history)
      .when(observe('2026-04-12', [broken], false, 1))
      .then([{ ...next, data: { ...next.data, sourcePosition: pos('2026-04-12', 1) } } as CustomerWatchEvent]);
  });

  it('does nothing for a current observation without an episode, or a non-current one without signals', () => {
    spec
      .given([])
      .when(observe('2026-03-01', [], true))
      .then([]);
    spec
      .given([raised('2026-03-01', [partial], 1, 'LOW')])
      .when(observe('2026-03-02', [], false))
      .then([]);
  });
});
