import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { NewEvent } from '#kernel';
import type { EventStore } from '#eventstore';
import { AggregateRepository } from '#eventstore';
import { reactor, type Projection } from '#projections';
import { tallyDecider } from './tally/tally.js';

export const COUNTED_REACTOR = 'counted_reactor';

/** A `Counted` trigger for the reactor, with fresh ids. */
export function counted(n: number): NewEvent {
  const id = randomUUID();
  return {
    eventId: id,
    type: 'Counted',
    schemaVersion: 1,
    data: { n },
    metadata: { correlationId: id, causationId: id, actor: { id: 't', role: 'system' }, command: 'Count', occurredAt: '2026-11-29T00:00:00Z' },
  };
}

/** Where the reactor adds an event's `n`: one of four open tallies, by `n`. */
export const tallyOf = (n: number) => `tally.tally-rx${n % 4}`;

/**
 * A reactor for the runner's tests that reaches all three outcomes: `Counted` events whose `n` is
 * a multiple of 5 need nothing, multiples of 7 are refused (their tally does not exist), the others
 * add `n` to a tally. `calls` counts how often the handler was asked to decide; `pauseMs` waits
 * after the commands, inside the batch, to leave a window for a crash before the ledger commits.
 */
export function countedReactor(store: EventStore, options: { pauseMs?: number; calls?: { n: number } } = {}): Projection {
  const tallies = new AggregateRepository(store, tallyDecider, { cacheStreams: 0 });
  const base = reactor({
    name: COUNTED_REACTOR,
    filter: { eventTypes: ['Counted'] },
    async handle(event, reaction) {
      if (options.calls) options.calls.n++;
      const n = (event.data as { n: number }).n;
      if (n % 5 === 0) return;
      const streamId = n % 7 === 0 ? 'tally.tally-missing' : tallyOf(n);
      await tallies.handle(streamId, { type: 'Add', tallyId: streamId, amount: n }, reaction.context('AddCounted'));
    },
  });
  if (!options.pauseMs) return base;
  return {
    ...base,
    async apply(ctx, events) {
      await base.apply(ctx, events);
      await sleep(options.pauseMs);
    },
  };
}

/** Opens the four tallies the reactor adds to. */
export async function openTallies(store: EventStore): Promise<void> {
  const tallies = new AggregateRepository(store, tallyDecider, { cacheStreams: 0 });
  for (let i = 0; i < 4; i++) {
    await tallies.handle(
      tallyOf(i),
      { type: 'Open', tallyId: tallyOf(i), limit: Number.MAX_SAFE_INTEGER },
      { command: 'Open', actor: { id: 't', role: 'system' }, occurredAt: '2026-11-29T00:00:00Z' },
    );
  }
}
