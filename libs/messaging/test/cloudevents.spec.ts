import type { RecordedEvent } from '#kernel';
import type { ReceivedMessage } from '../src/broker.js';
import { decodeMessage, MalformedMessageError } from '../src/cloudevents.js';
import { mapEvent, type IntegrationMapper } from '../src/integration.js';

function received(value: string | null, headers: Record<string, string> = {}): ReceivedMessage {
  return { topic: 'feed.v1', partition: 2, offset: '41', key: Buffer.from('k-1'), value: value === null ? null : Buffer.from(value), headers, timestamp: '0' };
}

const event: RecordedEvent = {
  eventId: '0b6f3c1e-2a52-4d7e-9d5e-1f1d0c9a7b11',
  type: 'PaymentPosted',
  schemaVersion: 3,
  streamId: 'loans.loan-L-77',
  revision: 4,
  globalPosition: { commit: 10n, prepare: 3n },
  data: { loanId: 'L-77', amount: 1250, customerName: 'never published' },
  metadata: {
    correlationId: 'corr-9',
    causationId: 'cmd-9',
    actor: { id: 'u1', role: 'service' },
    command: 'PostPayment',
    occurredAt: '2026-11-29T09:00:00.000Z',
  },
  recordedAt: '2026-11-29T09:00:01.000Z',
};

describe('integration events as CloudEvents (binary mode)', () => {
  const mapper: IntegrationMapper = {
    eventTypes: ['PaymentPosted'],
    topic: 'arrears.loans.v1',
    map: (e) => ({ key: (e.data as { loanId: string }).loanId, type: 'arrears.loans.PaymentPosted', version: 2, data: { loanId: 'L-77', amount: 1250 } }),
  };

  it('puts the mapped data in the value and every attribute in a ce_ header', () => {
    const [out] = mapEvent(event, [mapper]);
    expect(out.topic).toBe('arrears.loans.v1');
    expect(out.message.key).toBe('L-77');
    expect(JSON.parse(String(out.message.value))).toEqual({ loanId: 'L-77', amount: 1250 });
    expect(out.message.headers).toEqual({
      ce_specversion: '1.0',
      ce_id: event.eventId,
      ce_source: '/arrears/loans',
      ce_type: 'arrears.loans.PaymentPosted',
      ce_time: '2026-11-29T09:00:00.000Z',
      ce_subject: 'L-77',
      ce_schemaversion: '2',
      ce_sequence: '4',
      ce_correlationid: 'corr-9',
      ce_causationid: 'cmd-9',
      'content-type': 'application/json',
    });
  });

  it('publishes nothing for an event without a mapper, or when the mapper returns null', () => {
    expect(mapEvent({ ...event, type: 'Other' }, [mapper])).toEqual([]);
    expect(mapEvent(event, [{ ...mapper, map: () => null }])).toEqual([]);
  });

  it('refuses a mapping without a key', () => {
    expect(() => mapEvent(event, [{ ...mapper, map: () => ({ key: '', type: 't', data: {} }) }])).toThrow(/no key/);
  });

  it('falls back to the recording time when the business time is not an RFC 3339 timestamp', () => {
    const [out] = mapEvent({ ...event, metadata: { ...event.metadata, occurredAt: '2026-11-29' } }, [mapper]);
    expect(out.message.headers.ce_time).toBe(event.recordedAt);
  });
});

describe('reading inbound messages', () => {
  it('reads binary mode: attributes from ce_ headers, data from the value', () => {
    const decoded = decodeMessage(
      received('{"amount":5}', {
        ce_specversion: '1.0',
        ce_id: 'm-1',
        ce_source: '/core',
        ce_type: 'core.Paid',
        ce_correlationid: 'c-1',
        'content-type': 'application/json',
      }),
    );
    expect(decoded).toMatchObject({ id: 'm-1', mode: 'binary', type: 'core.Paid', source: '/core', extensions: { correlationid: 'c-1' }, data: { amount: 5 } });
  });

  it('reads structured mode: the whole event in the value', () => {
    const value = JSON.stringify({
      specversion: '1.0',
      id: 'm-2',
      source: '/core',
      type: 'core.Paid',
      time: '2026-11-29T00:00:00Z',
      correlationid: 'c-2',
      data: { amount: 6 },
    });
    expect(decodeMessage(received(value, { 'content-type': 'application/cloudevents+json; charset=utf-8' }))).toMatchObject({
      id: 'm-2',
      mode: 'structured',
      time: '2026-11-29T00:00:00Z',
      extensions: { correlationid: 'c-2' },
      data: { amount: 6 },
    });
  });

  it('gives a plain JSON message its topic/partition/offset as id', () => {
    expect(decodeMessage(received('{"amount":7}'))).toMatchObject({ id: 'feed.v1/2/41', mode: 'plain', data: { amount: 7 } });
  });

  it.each([
    ['no value', received(null)],
    ['a value that is not JSON', received('{"amount":')],
    ['a CloudEvent without id', received('{}', { ce_specversion: '1.0', ce_source: '/core', ce_type: 't' })],
    ['another CloudEvents version', received('{}', { ce_specversion: '0.3', ce_id: 'x', ce_source: '/core', ce_type: 't' })],
    ['a non-JSON content type', received('<a/>', { 'content-type': 'application/xml' })],
    [
      'a structured event with binary data',
      received('{"specversion":"1.0","id":"x","source":"/s","type":"t","data_base64":"AA=="}', { 'content-type': 'application/cloudevents+json' }),
    ],
  ])('refuses %s as MALFORMED_MESSAGE', (_what, message) => {
    expect(() => decodeMessage(message)).toThrow(MalformedMessageError);
  });
});
