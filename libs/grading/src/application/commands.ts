import { isDomainError, RevisionConflictError, streamCategory, type Actor, type DomainError, type DomainEvent, type NewEvent } from '#kernel';
import type { AggregateRepository, BatchAppendItem, CommandContext, CommandResult, EventStore } from '#eventstore';
import type { Metrics } from '#platform';

/** The actor recorded on what Grading does by itself (reactions, portfolio runs). */
export const GRADING_SYSTEM: Actor = { id: 'grading', role: 'system' };

/** A decision made on a state the caller already had (a read-model row mirroring the stream). */
interface Decision {
  readonly streamId: string;
  readonly events: readonly NewEvent[];
  /** The revision the state was at (-1: no stream). */
  readonly revision: number;
}

const BATCH = 250;
const PARALLEL_BATCHES = 4;

/**
 * Appends decisions at the revisions they were made on, many streams per statement where the
 * store offers it. Returns, per decision, whether it was appended or conflicted (its state was
 * behind the stream: the caller decides it again through the repository).
 */
async function appendDecisions(store: EventStore, decisions: readonly Decision[], concurrency: number): Promise<Array<'appended' | 'conflict'>> {
  const outcomes: Array<'appended' | 'conflict'> = new Array(decisions.length);
  const expected = (d: Decision) => (d.revision < 0 ? ('no_stream' as const) : d.revision);
  if (store.appendMany) {
    // Chunks of distinct streams, a few statements in flight (each is CPU-bound in the database).
    const starts = Array.from({ length: Math.ceil(decisions.length / BATCH) }, (_, k) => k * BATCH);
    await forEachConcurrent(starts, Math.max(1, Math.min(concurrency, PARALLEL_BATCHES)), async (start) => {
      const chunk = decisions.slice(start, start + BATCH);
      const items: BatchAppendItem[] = chunk.map((d) => ({ streamId: d.streamId, events: d.events, expected: expected(d) }));
      const results = await store.appendMany!(items);
      results.forEach((r, i) => {
        if (r.ok) outcomes[start + i] = 'appended';
        else if (r.error instanceof RevisionConflictError) outcomes[start + i] = 'conflict';
        else throw r.error;
      });
    });
    return outcomes;
  }
  await forEachConcurrent(
    decisions.map((d, i) => ({ d, i })),
    concurrency,
    async ({ d, i }) => {
      try {
        await store.appendToStream(d.streamId, d.events, expected(d));
        outcomes[i] = 'appended';
      } catch (err) {
        if (!(err instanceof RevisionConflictError)) throw err;
        outcomes[i] = 'conflict';
      }
    },
  );
  return outcomes;
}

/** A command already decided on a state from a read model, with the way to redo it on the stream. */
export interface PreDecided {
  readonly streamId: string;
  /** The revision of the state it was decided on (-1: no stream). */
  readonly revision: number;
  readonly decided: readonly DomainEvent[] | DomainError;
  readonly ctx: CommandContext & { idempotencyKey: string };
  /**
   * The stream's repository, which builds the events to append (metadata, ids from the key, schema
   * versions), so an append made here and a retry through it store the same events.
   */
  readonly repository: Pick<AggregateRepository<unknown, DomainEvent, unknown>, 'newEvents'>;
  /** Load the stream, decide again, append (the command pipeline): for a state that turned out to be behind the stream. */
  readonly retry: () => Promise<CommandResult | DomainError>;
  /** The state is known to be behind the stream (its read model has not seen the trigger yet). */
  readonly stale?: boolean;
}

/**
 * Appends many pre-decided commands (many streams per statement where the store allows), counting
 * their events in `arrears_events_appended_total`, and redoes through the command pipeline each one
 * whose state was behind its stream. Returns how many appended something. (A refusal is a value:
 * nothing to append.)
 */
export async function appendPreDecided(store: EventStore, metrics: Metrics | undefined, items: readonly PreDecided[], concurrency: number): Promise<number> {
  // A decision taken on a read model that has not yet seen the trigger is re-taken on the stream.
  const stale = items.filter((i) => i.stale);
  const pending = items.filter((i) => !i.stale && !isDomainError(i.decided) && i.decided.length > 0);
  const outcomes = await appendDecisions(
    store,
    pending.map((i) => ({
      streamId: i.streamId,
      revision: i.revision,
      events: i.repository.newEvents(i.streamId, i.decided as readonly DomainEvent[], i.ctx),
    })),
    concurrency,
  );
  let changed = outcomes.filter((o) => o === 'appended').length;
  pending.forEach((item, i) => {
    if (outcomes[i] !== 'appended') return;
    metrics?.appendedEvents.inc({ category: streamCategory(item.streamId) }, (item.decided as readonly DomainEvent[]).length);
    item.ctx.onOutcome?.({
      streamId: item.streamId,
      events: item.decided as readonly DomainEvent[],
      revision: item.revision + (item.decided as readonly DomainEvent[]).length,
      position: null,
      duplicate: false,
    });
  });
  for (const item of items) {
    if (item.stale) continue;
    if (isDomainError(item.decided)) item.ctx.onOutcome?.(item.decided);
    else if (item.decided.length === 0)
      item.ctx.onOutcome?.({ streamId: item.streamId, events: [], revision: item.revision, position: null, duplicate: false });
  }
  const conflicted = pending.filter((_, i) => outcomes[i] === 'conflict');
  await forEachConcurrent([...conflicted, ...stale], concurrency, async (item) => {
    const result = await item.retry();
    if (!isDomainError(result) && result.events.length > 0) changed += 1;
  });
  return changed;
}

/** Runs `work` over `items` with at most `concurrency` in flight. */
async function forEachConcurrent<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      for (let i = next++; i < items.length; i = next++) await work(items[i]);
    }),
  );
}
