import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { AsyncApiDocument } from '#test-support/kafka/asyncapi.js';
import { cashLoan3m } from '#test-support/loans.js';
import { ChannelOutcomeData } from '#collection';
import {
  CORE_BANKING_LOANS_TOPIC,
  CORE_BANKING_TYPES,
  CoreBankingBusinessDayClosed,
  CoreBankingLoanRegistered,
  CoreBankingPaymentReceived,
  CoreBankingPaymentReversed,
} from '#loans';
import { CONTEXTS } from '../../../apps/arrears/src/contexts.js';

type Json = any;

/** The CloudEvents types a channel's messages fix in their headers (`ce_type: { const }`). */
function typesOf(doc: AsyncApiDocument, address: string): string[] {
  const found = (schema: Json): string[] => {
    if (!schema || typeof schema !== 'object') return [];
    const own = schema.properties?.ce_type?.const;
    return [...(own ? [own] : []), ...(schema.allOf ?? []).flatMap(found)];
  };
  return Object.values<Json>(doc.channel(address).messages ?? {}).flatMap((m) => found(m.headers));
}

/**
 * Static checks of the AsyncAPI documents, held to the code: the mappers' event types and the
 * inbound handlers' schemas. Real messages are validated against them by the Kafka tests and by the
 * contexts' end-to-end tests (test/support/kafka/published-contract.ts).
 */
describe('docs/asyncapi.yaml', () => {
  const doc = new AsyncApiDocument('docs/asyncapi.yaml');

  it('is AsyncAPI 3 with every $ref resolvable and every schema compilable', () => {
    expect(doc.doc.asyncapi).toMatch(/^3\./);
    expect(() => doc.resolved(doc.doc)).not.toThrow();
    for (const name of Object.keys(doc.doc.components.schemas)) expect(doc.check(`#/components/schemas/${name}`, null)).toEqual(expect.any(Array));
    const tally = new AsyncApiDocument('test/support/kafka/tally.asyncapi.yaml');
    expect(() => tally.resolved(tally.doc)).not.toThrow();
  });

  it('names the same topics that deploy/kafka-topics.sh creates', () => {
    const script = readFileSync('deploy/kafka-topics.sh', 'utf8');
    const created = [...script.matchAll(/^\s+"([a-z][a-z0-9.-]+)\s+\S+ \$\(\(\d+ \* DAY\)\)"$/gm)].map((m) => m[1]).sort();
    const described = Object.values<{ address: string }>(doc.doc.channels)
      .map((c) => c.address)
      .sort();
    expect(created).toEqual(described);
  });

  it('has every operation point at a channel of the document', () => {
    for (const op of Object.values<{ action: string; channel: { $ref: string } }>(doc.doc.operations)) {
      expect(['send', 'receive']).toContain(op.action);
      expect(Object.keys(doc.doc.channels)).toContain(op.channel.$ref.replace('#/channels/', ''));
    }
  });

  it('describes the CloudEvents headers the relay writes', () => {
    const headers = {
      ce_specversion: '1.0',
      ce_id: '0b6f3c1e-2a52-4d7e-9d5e-1f1d0c9a7b11',
      ce_source: '/arrears/loans',
      ce_type: 'arrears.loans.PaymentPosted',
      ce_time: '2026-11-29T09:00:00.000Z',
      ce_subject: 'L-77',
      ce_schemaversion: '1',
      ce_sequence: '4',
      ce_correlationid: 'corr-9',
      ce_causationid: 'cmd-9',
      'content-type': 'application/json',
    };
    expect(doc.check('#/components/schemas/CloudEventHeaders', headers)).toEqual([]);
    expect(doc.check('#/components/schemas/CloudEventHeaders', { ...headers, ce_specversion: '0.3' })).not.toEqual([]);
    expect(doc.check('#/components/schemas/CloudEventHeaders', { ...headers, ce_time: '2026-11-29' })).not.toEqual([]);
  });

  it('describes every event type a context publishes, on its topic, and no type nothing publishes', () => {
    const mappers = CONTEXTS.flatMap((c) => c.integrationEvents ?? []);
    expect(mappers.length).toBeGreaterThan(3);
    for (const mapper of mappers) {
      const described = typesOf(doc, mapper.topic);
      for (const eventType of mapper.eventTypes)
        expect({ topic: mapper.topic, eventType, described: described.some((t) => t.endsWith(`.${eventType}`)) }).toEqual({
          topic: mapper.topic,
          eventType,
          described: true,
        });
    }
    const outbound = Object.values<Json>(doc.doc.channels).filter(
      (c) => c.address.startsWith('arrears.') && c.bindings?.kafka?.$ref?.endsWith('/outboundTopic'),
    );
    for (const channel of outbound) {
      const published = mappers.filter((m) => m.topic === channel.address).flatMap((m) => m.eventTypes);
      if (channel['x-arrears-status'] === 'planned') {
        expect({ topic: channel.address, published }).toEqual({ topic: channel.address, published: [] });
        continue;
      }
      const stale = typesOf(doc, channel.address).filter((t) => !published.includes(t.slice(t.lastIndexOf('.') + 1)));
      expect({ topic: channel.address, stale }).toEqual({ topic: channel.address, stale: [] });
    }
    // Every context publishes: no topic is left planned.
    expect(
      Object.values<Json>(doc.doc.channels)
        .filter((c) => c['x-arrears-status'] === 'planned')
        .map((c) => c.address),
    ).toEqual([]);
  });

  /**
   * The inbound payload schemas say what the handlers' zod schemas (the HTTP request schemas for
   * core banking) accept: each sample is accepted by both or refused by both.
   */
  describe.each<[string, string, z.ZodType, Array<[string, unknown, boolean]>]>([
    [
      CORE_BANKING_LOANS_TOPIC,
      CORE_BANKING_TYPES.loanRegistered,
      CoreBankingLoanRegistered,
      (() => {
        // The end-to-end tests' cash loan of 2024, over two months instead of three.
        const loan = {
          ...cashLoan3m('L-1', 'C-1', 2024),
          principal: 200_000,
          termMonths: 2,
          schedule: [
            { seq: 1, dueDate: '2024-02-15', principal: 100_000, interest: 2_000 },
            { seq: 2, dueDate: '2024-03-15', principal: 100_000, interest: 1_000 },
          ],
        };
        const product = {
          waterfall: { order: ['interest', 'penalty', 'principal'], sweep: 'component' },
          penaltyAnnualRateBps: null,
          holdDaysCountTowardDpd: false,
        };
        const bands = { M0: 0, M1: 30, M2: 60, M3: 90, M4: 120, M5: 150, M6: 180 };
        const { M6: _m6, ...bandsWithoutM6 } = bands;
        return [
          ['a loan', loan, true],
          ['with product settings', { ...loan, product }, true],
          ['with stage boundaries', { ...loan, product: { stageBoundaries: bands } }, true],
          ['an empty product', { ...loan, product: {} }, true],
          ['no schedule', { ...loan, schedule: [] }, false],
          ['zero principal', { ...loan, principal: 0 }, false],
          ['fractional fen', { ...loan, principal: 100.5 }, false],
          ['a name', { ...loan, customerName: 'Zhang San' }, false],
          ['an id with spaces', { ...loan, loanId: 'L 1' }, false],
          ['an id of 65 characters', { ...loan, loanId: 'L'.repeat(65) }, false],
          ['a date-time as date', { ...loan, disbursementDate: '2024-01-15T00:00:00Z' }, false],
          ['an unknown product setting', { ...loan, product: { compoundPenalty: true } }, false],
          [
            'grace days, a shortfall tolerance and a penalty cap',
            { ...loan, product: { graceDays: 3, shortfallToleranceFen: 100, penaltyRateCapBps: 1800 } },
            true,
          ],
          ['a waterfall of two', { ...loan, product: { waterfall: { order: ['interest', 'principal'], sweep: 'component' } } }, false],
          ['bands without M6', { ...loan, product: { stageBoundaries: bandsWithoutM6 } }, false],
          ['an installment without interest', { ...loan, schedule: [{ seq: 1, dueDate: '2024-02-15', principal: 200_000 }] }, false],
          ['a negative rate', { ...loan, annualRateBps: -1 }, false],
          ['a term of 601 months', { ...loan, termMonths: 601 }, false],
        ];
      })(),
    ],
    [
      CORE_BANKING_LOANS_TOPIC,
      CORE_BANKING_TYPES.paymentReceived,
      CoreBankingPaymentReceived,
      [
        ['a payment', { loanId: 'L-1', reference: 'TX-1', amount: 50_000, valueDate: '2024-01-19' }, true],
        ['no loan id', { reference: 'TX-1', amount: 50_000, valueDate: '2024-01-19' }, false],
        ['zero', { loanId: 'L-1', reference: 'TX-1', amount: 0, valueDate: '2024-01-19' }, false],
        ['a string amount', { loanId: 'L-1', reference: 'TX-1', amount: '500', valueDate: '2024-01-19' }, false],
        ['a business date', { loanId: 'L-1', reference: 'TX-1', amount: 500, valueDate: '2024-01-19', businessDate: '2024-01-19' }, false],
        ['a reference with a slash', { loanId: 'L-1', reference: 'TX/1', amount: 500, valueDate: '2024-01-19' }, false],
      ],
    ],
    [
      CORE_BANKING_LOANS_TOPIC,
      CORE_BANKING_TYPES.paymentReversed,
      CoreBankingPaymentReversed,
      [
        ['a reversal', { loanId: 'L-1', reference: 'TX-1', reason: 'bounced' }, true],
        ['no reason', { loanId: 'L-1', reference: 'TX-1' }, false],
        ['a blank reason', { loanId: 'L-1', reference: 'TX-1', reason: '   ' }, false],
        ['a reason of 201 characters', { loanId: 'L-1', reference: 'TX-1', reason: 'x'.repeat(201) }, false],
        ['an amount', { loanId: 'L-1', reference: 'TX-1', reason: 'bounced', amount: 5 }, false],
      ],
    ],
    [
      CORE_BANKING_LOANS_TOPIC,
      CORE_BANKING_TYPES.businessDayClosed,
      CoreBankingBusinessDayClosed,
      [
        ['a close', { businessDate: '2024-01-20' }, true],
        ['no date', {}, false],
        ['not a date', { businessDate: '2024-13-45x' }, false],
        ['another field', { businessDate: '2024-01-20', calendarId: 'main' }, false],
      ],
    ],
    [
      'arrears.channel-outcomes.v1',
      'arrears.collection.ChannelOutcome',
      ChannelOutcomeData,
      [
        ['an outcome', { caseId: 'case-1', executorId: 'dialer-1', channel: 'CALL', outcome: 'NO_ANSWER', occurredAt: '2024-01-20T10:00:00+08:00' }, true],
        [
          'with a promise',
          {
            caseId: 'case-1',
            actionId: 'a-1',
            executorId: 'dialer-1',
            channel: 'CALL',
            outcome: 'PROMISE_TO_PAY',
            occurredAt: '2024-01-20T02:00:00Z',
            party: 'DEBTOR',
            promise: { amount: 10_000, dueOn: '2024-01-25' },
          },
          true,
        ],
        ['a local time', { caseId: 'case-1', executorId: 'dialer-1', channel: 'CALL', outcome: 'NO_ANSWER', occurredAt: '2024-01-20T10:00:00' }, false],
        ['an unknown channel', { caseId: 'case-1', executorId: 'dialer-1', channel: 'FAX', outcome: 'NO_ANSWER', occurredAt: '2024-01-20T10:00:00Z' }, false],
        [
          'a phone number',
          { caseId: 'case-1', executorId: 'dialer-1', channel: 'CALL', outcome: 'NO_ANSWER', occurredAt: '2024-01-20T10:00:00Z', phone: '13800000000' },
          false,
        ],
      ],
    ],
  ])('inbound %s %s', (topic, type, schema, samples) => {
    it.each(samples)('%s: accepted by the handler and the document alike', (_what, data, valid) => {
      const headers = { ce_specversion: '1.0', ce_id: 'm-1', ce_source: '/tests', ce_type: type, 'content-type': 'application/json' };
      const problems = doc.validate(topic, { headers, payload: data });
      expect({ zod: schema.safeParse(data).success, asyncapi: problems.length === 0 ? 'accepted' : problems }).toEqual({
        zod: valid,
        asyncapi: valid ? 'accepted' : expect.arrayContaining([expect.any(String)]),
      });
    });
  });
});
