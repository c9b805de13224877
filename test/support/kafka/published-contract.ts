/**
 * The published contract checked without a broker: events (from a store, or built in a test) are
 * mapped by the contexts' integration mappers exactly as the relay maps them, and every resulting
 * message (headers and payload) is validated against docs/asyncapi.yaml. The end-to-end tests of
 * the contexts run it over everything their scenarios stored, so a field added to an event without
 * its schema, or a schema that no longer matches, fails there.
 */
import type { Position, RecordedEvent } from '#kernel';
import type { EventStore } from '#eventstore';
import { mapEvent, type IntegrationMapper, type MappedMessage, type ContextRegistration } from '#messaging';
import { AsyncApiDocument } from './asyncapi.js';

let arrearsDoc: AsyncApiDocument | undefined;

/** docs/asyncapi.yaml, parsed once per test file. */
export function arrearsAsyncApi(): AsyncApiDocument {
  arrearsDoc ??= new AsyncApiDocument('docs/asyncapi.yaml');
  return arrearsDoc;
}

export interface PublishedContract {
  /** One line per message that does not match the document: its type, id, and what is wrong. */
  readonly problems: string[];
  /** The messages, by topic. */
  readonly messages: ReadonlyMap<string, MappedMessage['message'][]>;
  /** The CloudEvents types published, by topic (sorted). */
  typesOn(topic: string): string[];
}

/** Problems of one mapped message against the document ([] when it matches). */
export function messageProblems(mapped: MappedMessage, doc: AsyncApiDocument = arrearsAsyncApi()): string[] {
  const { headers, value } = mapped.message;
  const payload = JSON.parse(String(value));
  const problems = doc.validate(mapped.topic, { headers, payload });
  // ce_dataschema, when given, names a schema of the document that the payload matches.
  if (headers.ce_dataschema) {
    const fragment = new URL(headers.ce_dataschema).hash.slice(1);
    try {
      problems.push(...doc.check(`#${fragment}`, payload).map((p) => `dataschema ${p}`));
    } catch (err) {
      problems.push(`ce_dataschema ${headers.ce_dataschema}: ${(err as Error).message}`);
    }
  }
  return problems;
}

/** Maps the events with the mappers and validates every message. */
export function checkPublished(
  events: readonly RecordedEvent[],
  mappers: readonly IntegrationMapper[],
  doc: AsyncApiDocument = arrearsAsyncApi(),
): PublishedContract {
  const problems: string[] = [];
  const messages = new Map<string, MappedMessage['message'][]>();
  for (const event of events) {
    for (const mapped of mapEvent(event, mappers)) {
      const list = messages.get(mapped.topic) ?? [];
      list.push(mapped.message);
      messages.set(mapped.topic, list);
      for (const p of messageProblems(mapped, doc))
        problems.push(`${mapped.topic} ${mapped.message.headers.ce_type} (${event.streamId}@${event.revision}): ${p}`);
    }
  }
  return {
    problems,
    messages,
    typesOn: (topic) => [...new Set((messages.get(topic) ?? []).map((m) => m.headers.ce_type))].sort(),
  };
}

/** Every event in the store, in global order. */
export async function allEvents(store: EventStore): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = [];
  let from: Position | 'start' = 'start';
  for (;;) {
    const page = await store.readAll({ from, maxCount: 1_000 });
    out.push(...page.events);
    if (page.isEnd) return out;
    from = page.position;
  }
}

/** Maps everything the store holds with the contexts' mappers and validates every message. */
export async function checkStoredEvents(store: EventStore, contexts: readonly ContextRegistration[]): Promise<PublishedContract> {
  return checkPublished(
    await allEvents(store),
    contexts.flatMap((c) => c.integrationEvents ?? []),
  );
}
