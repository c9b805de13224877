import type { RecordedEvent } from './envelope.js';

/**
 * Events are never edited. When an event's shape changes it gets a new schemaVersion, and an
 * upcaster turns version n into n+1 on read, so old events stay readable forever.
 */
/** A step from one version's data to the next; each step names the old shape it reads. */
export type Upcaster = (data: never, event: RecordedEvent) => unknown;

export class Upcasters {
  private readonly steps = new Map<string, Map<number, Upcaster>>();
  private readonly latest = new Map<string, number>();

  /** Registers the step from `fromVersion` to `fromVersion + 1` for an event type. */
  register(type: string, fromVersion: number, step: Upcaster): this {
    let byVersion = this.steps.get(type);
    if (!byVersion) this.steps.set(type, (byVersion = new Map()));
    byVersion.set(fromVersion, step);
    this.latest.set(type, Math.max(this.latest.get(type) ?? 1, fromVersion + 1));
    return this;
  }

  currentVersion(type: string): number {
    return this.latest.get(type) ?? 1;
  }

  upcast<E extends RecordedEvent>(event: E): E {
    const byVersion = this.steps.get(event.type);
    if (!byVersion) return event;
    let data = event.data;
    let version = event.schemaVersion;
    for (let step = byVersion.get(version); step; step = byVersion.get(version)) {
      data = step(data as never, event);
      version += 1;
    }
    return version === event.schemaVersion ? event : { ...event, data, schemaVersion: version };
  }
}
