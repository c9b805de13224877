import { isBusinessDate, streamEntityId, type BusinessDate, type RecordedEvent } from '#kernel';

/** Structural readers for other contexts' event data (their types are not imported). */
export type Data = Record<string, unknown>;

export function dataOf(event: RecordedEvent): Data {
  return (event.data ?? {}) as Data;
}

export function str(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}

export function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/**
 * The first of the named fields that holds a business date, or null. Every observed contract names
 * the business date of its fact (Loans' calendar decided it where the fact was recorded); an event
 * without one is not observed. Never the event's receive or record time: that is a wall clock.
 */
export function dateOf(event: RecordedEvent, ...fields: string[]): BusinessDate | null {
  const d = dataOf(event);
  for (const f of fields) if (isBusinessDate(d[f])) return d[f] as BusinessDate;
  return null;
}

/** The aggregate id from the stream name (`<context>.<aggregate>-<id>`). */
export function entityId(event: RecordedEvent, field?: string): string {
  const d = dataOf(event);
  return (field && str(d[field])) || streamEntityId(event.streamId);
}
