import { readFileSync } from 'node:fs';
import { AsyncApiDocument } from '#test-support/kafka/asyncapi.js';

/** Static checks of the AsyncAPI documents; the Kafka tests validate real messages against them. */
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
    const described = Object.values<{ address: string }>(doc.doc.channels).map((c) => c.address).sort();
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
});
