import { streamCategory, type RecordedEvent } from '#kernel';
import type { OutgoingMessage } from './broker.js';
import { toBinaryMessage } from './cloudevents.js';

/**
 * A public contract mapped from a domain event. Integration events are versioned apart from the
 * domain events: the domain may grow or change an event (with an upcaster) while the published
 * shape stays, and a breaking change of the published shape is a new `version` (and a new
 * topic, `arrears.<context>.v2`) that runs next to the old one.
 */
export interface IntegrationEvent {
  /** Message key: the aggregate id (case, loan, ...), so one aggregate's events stay in order. */
  readonly key: string;
  /** CloudEvents `type`, e.g. `arrears.loans.PaymentPosted`. */
  readonly type: string;
  /** Version of this type's published schema (`ce_schemaversion`); 1 when omitted. */
  readonly version?: number;
  /** CloudEvents `dataschema`: where the schema of `data` is described. */
  readonly dataschema?: string;
  /** CloudEvents `subject`; defaults to the key. */
  readonly subject?: string;
  /**
   * CloudEvents `id`; defaults to the domain event's id. A domain event published on two topics
   * gives the second message its own stable id (e.g. `deterministicId(event.eventId, 'x')`),
   * as source + id must name one event.
   */
  readonly id?: string;
  /** The payload: no personal data (names, phones, addresses, ID numbers) ever goes here. */
  readonly data: unknown;
}

/**
 * What a context contributes to the outbound relay: which domain events it publishes, where, and
 * how each maps to its public contract. The relay publishes nothing without a mapper.
 */
export interface IntegrationMapper {
  /** Domain event types this mapper reads. */
  readonly eventTypes: readonly string[];
  /** Topic of the published events, e.g. `arrears.loans.v1`. */
  readonly topic: string;
  /** CloudEvents `source`; defaults to `/arrears/<context>` (the stream name's first part). */
  readonly source?: string;
  /** The integration event, or null to publish nothing for this event. */
  map(event: RecordedEvent): IntegrationEvent | null;
}

export interface MappedMessage {
  readonly topic: string;
  readonly message: OutgoingMessage;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** `/arrears/<context>` for a stream `<context>.<aggregate>-<id>`. */
export function defaultSource(streamId: string): string {
  const category = streamCategory(streamId);
  const dot = category.indexOf('.');
  return `/arrears/${dot < 0 ? category : category.slice(0, dot)}`;
}

/** Applies every mapper that reads the event's type; the messages come in mapper order. */
export function mapEvent(event: RecordedEvent, mappers: readonly IntegrationMapper[]): MappedMessage[] {
  const out: MappedMessage[] = [];
  for (const mapper of mappers) {
    if (!mapper.eventTypes.includes(event.type)) continue;
    const mapped = mapper.map(event);
    if (!mapped) continue;
    if (typeof mapped.key !== 'string' || mapped.key.length === 0) throw new Error(`mapper for ${mapper.topic} gave ${event.type} ${event.eventId} no key`);
    if (typeof mapped.type !== 'string' || mapped.type.length === 0) throw new Error(`mapper for ${mapper.topic} gave ${event.type} ${event.eventId} no type`);
    const m = event.metadata;
    const extensions: Record<string, string> = {
      schemaversion: String(mapped.version ?? 1),
      sequence: String(event.revision),
    };
    if (m.correlationId) extensions.correlationid = String(m.correlationId);
    if (m.causationId) extensions.causationid = String(m.causationId);
    out.push({
      topic: mapper.topic,
      message: toBinaryMessage(
        mapped.key,
        {
          id: mapped.id ?? event.eventId,
          source: mapper.source ?? defaultSource(event.streamId),
          type: mapped.type,
          // CloudEvents `time` is when the fact occurred (business time), an RFC 3339 timestamp.
          time: RFC3339.test(String(m.occurredAt)) ? String(m.occurredAt) : event.recordedAt,
          subject: mapped.subject ?? mapped.key,
          ...(mapped.dataschema ? { dataschema: mapped.dataschema } : {}),
          extensions,
        },
        mapped.data,
      ),
    });
  }
  return out;
}
