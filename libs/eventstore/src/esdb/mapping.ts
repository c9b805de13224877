import {
  eventTypeFilter,
  excludeSystemEvents,
  streamNameFilter,
  type AllStreamSubscription,
  type Filter,
  type RecordedEvent as EsdbRecordedEvent,
} from '@eventstore/db-client';
import type { EventMetadata, NewEvent, Position, RecordedEvent, Upcasters } from '#kernel';
import type { AllFilter } from '../event-store.js';

/**
 * Key under which the event's schemaVersion travels in the EventStoreDB event metadata (next to
 * the EventMetadata fields); removed again on read.
 */
const SCHEMA_VERSION_KEY = '$schemaVersion';

/**
 * Key of a random token that the first event of each append carries in its metadata (removed
 * again on read). The server answers a repeat of stored event ids with the first append's result
 * and keeps the first append's metadata, so reading the token back tells the append that stored
 * the events from every repeat of it, concurrent ones included.
 */
const APPEND_ATTEMPT_KEY = '$appendAttempt';

/**
 * Key of the number of events that follow an event in its own append (absent on an append's last
 * event; removed again on read). EventStoreDB gives the events of one append positions of their
 * own, so this is how a subscription knows that a batch ending on this event would cut the append
 * in two (see esdbSubscription).
 */
const APPEND_REST_KEY = '$appendRest';

export function toEventData(event: NewEvent, attempt?: string, rest = 0) {
  return {
    id: event.eventId,
    contentType: 'application/json' as const,
    type: event.type,
    // JSON.stringify(undefined) is not JSON; an absent payload is stored as null.
    data: (event.data ?? null) as Record<string, unknown>,
    metadata: {
      ...event.metadata,
      [SCHEMA_VERSION_KEY]: event.schemaVersion,
      ...(attempt === undefined ? {} : { [APPEND_ATTEMPT_KEY]: attempt }),
      ...(rest > 0 ? { [APPEND_REST_KEY]: rest } : {}),
    } as Record<string, unknown>,
  };
}

/** The append token an event's metadata carries (see APPEND_ATTEMPT_KEY), if any. */
export function appendAttemptOf(event: EsdbRecordedEvent): unknown {
  const raw = event.metadata;
  return raw && typeof raw === 'object' && !Array.isArray(raw) && !(raw instanceof Uint8Array)
    ? (raw as Record<string, unknown>)[APPEND_ATTEMPT_KEY]
    : undefined;
}

/** How many events follow this one in its append (see APPEND_REST_KEY); 0 for the last one. */
export function appendRestOf(event: EsdbRecordedEvent): number {
  const raw = event.metadata;
  const rest =
    raw && typeof raw === 'object' && !Array.isArray(raw) && !(raw instanceof Uint8Array) ? (raw as Record<string, unknown>)[APPEND_REST_KEY] : undefined;
  return typeof rest === 'number' && Number.isInteger(rest) && rest > 0 ? rest : 0;
}

/** System records ($-prefixed event types or streams: stats, metadata, links) are never returned. */
export function isSystemEvent(event: { readonly type: string; readonly streamId: string }): boolean {
  return event.type.startsWith('$') || event.streamId.startsWith('$');
}

export function positionOf(resolved: { event?: { position?: Position }; commitPosition?: bigint }): Position | undefined {
  const p = resolved.event?.position;
  if (p) return { commit: p.commit, prepare: p.prepare };
  return resolved.commitPosition === undefined ? undefined : { commit: resolved.commitPosition, prepare: resolved.commitPosition };
}

export function toRecorded(event: EsdbRecordedEvent, position: Position | undefined, upcasters?: Upcasters): RecordedEvent {
  const raw = event.metadata;
  let metadata = {} as EventMetadata;
  let schemaVersion = 1;
  if (raw && typeof raw === 'object' && !Array.isArray(raw) && !(raw instanceof Uint8Array)) {
    const { [SCHEMA_VERSION_KEY]: version, [APPEND_ATTEMPT_KEY]: _attempt, [APPEND_REST_KEY]: _rest, ...rest } = raw as Record<string, unknown>;
    metadata = rest as EventMetadata;
    if (typeof version === 'number' && Number.isInteger(version)) schemaVersion = version;
  }
  const recorded: RecordedEvent = {
    eventId: event.id,
    type: event.type,
    schemaVersion,
    streamId: event.streamId,
    revision: Number(event.revision),
    globalPosition: position ?? { commit: 0n, prepare: 0n },
    data: event.data,
    metadata,
    recordedAt: event.created.toISOString(),
  };
  return upcasters ? upcasters.upcast(recorded) : recorded;
}

/** Escapes a literal for a server-side (.NET) regular expression. */
function escapeRegex(text: string): string {
  return text.replace(/[\\^$.|?*+()[\]{}]/g, (c) => `\\${c}`);
}

export interface SplitFilter {
  /** Applied by the server to a subscription (it also sends checkpoints past skipped events). */
  readonly server: (checkpointReached: (subscription: AllStreamSubscription, position: Position) => void) => Filter;
  /** What the client still has to check on each delivered event (system events always fail). */
  readonly client: (event: { readonly type: string; readonly streamId: string }) => boolean;
}

/**
 * Splits the port's filter between server and client: stream prefixes go to the server when
 * present (event types are then checked here), otherwise event types go to the server as an
 * anchored alternation; with neither, the server drops system events.
 */
export function splitFilter(filter: AllFilter | undefined): SplitFilter {
  const prefixes = filter?.streamPrefixes?.length ? [...filter.streamPrefixes] : undefined;
  const types = filter?.eventTypes?.length ? new Set(filter.eventTypes) : undefined;
  const options = (checkpointReached: (subscription: AllStreamSubscription, position: Position) => void) => ({
    checkpointInterval: 1,
    checkpointReached,
  });
  if (prefixes) {
    return {
      server: (cp) => streamNameFilter({ prefixes, ...options(cp) }),
      client: (e) => !isSystemEvent(e) && (!types || types.has(e.type)),
    };
  }
  if (types) {
    const regex = `^(?:${[...types].map(escapeRegex).join('|')})$`;
    return {
      server: (cp) => eventTypeFilter({ regex, ...options(cp) }),
      client: (e) => !isSystemEvent(e) && types.has(e.type),
    };
  }
  return { server: (cp) => excludeSystemEvents(options(cp)), client: (e) => !isSystemEvent(e) };
}

/** A client-side predicate for the whole filter (used where the client has no server filter). */
export function matchesFilter(filter: AllFilter | undefined): (event: { readonly type: string; readonly streamId: string }) => boolean {
  const prefixes = filter?.streamPrefixes?.length ? filter.streamPrefixes : undefined;
  const types = filter?.eventTypes?.length ? new Set(filter.eventTypes) : undefined;
  return (e) => !isSystemEvent(e) && (!prefixes || prefixes.some((p) => e.streamId.startsWith(p))) && (!types || types.has(e.type));
}
