import { RevisionConflictError, fold, isDomainError, newId, type BusinessDate, type EventMetadata, type NewEvent, type RecordedEvent } from '#kernel';
import { AggregateRepository, commandMetadata, type AppendResult, type CommandContext, type CommandResult, type EventStore } from '#eventstore';
import { domainProblem, ProblemException, problem, type Metrics } from '#platform';
import { evolve, initialRequestState, type RestructuringEvent, type RestructuringRequested } from '../domain/request/events.js';
import {
  decideSlot,
  evolveSlot,
  initialSlotState,
  isEnded,
  slotDecider,
  slotStream,
  type EndedStatus,
  type HolderFacts,
  type RestructuringSlotTaken,
  type SlotEvent,
  type SlotState,
} from '../domain/slot.js';
import { quietly, runFollowUp } from './follow-up.js';

export const requestStream = (requestId: string): string => `restructuring.request-${requestId}`;

/** How each ending event ends its request, and the business date it names. */
const ENDINGS: Record<string, { endedAs: EndedStatus; date: string }> = {
  RestructuringRejected: { endedAs: 'Rejected', date: 'rejectedOn' },
  RestructuringOfferExpired: { endedAs: 'OfferExpired', date: 'expiredOn' },
  RestructuringActivationFailed: { endedAs: 'ActivationFailed', date: 'failedOn' },
  PlanBroken: { endedAs: 'Broken', date: 'brokenOn' },
  PlanCompleted: { endedAs: 'Completed', date: 'completedOn' },
};

const MAX_ATTEMPTS = 8;

/**
 * Files restructuring requests through their loan's slot (see `domain/slot.ts`) and releases the
 * slot when a request ends.
 *
 * Filing: (1) decide the request (pure, done by the caller); (2) take the slot with an append at
 * the slot's revision, releasing it in the same append when its holder's stream shows the holder
 * has ended; (3) write the request's first event, carried by the take, to the request's stream.
 * A racing filer loses at (2) on the revision, re-reads and is refused `OPEN_REQUEST_EXISTS`; a
 * filer that dies between (2) and (3) leaves a take whose request any later filer (or a retry)
 * writes from the take under the same event id, so the store keeps it once. No step is undone.
 *
 * Releasing happens right after the ending event (rejection, expiry, failed activation, broken or
 * completed plan); if that is lost, the next filing on the loan reads the holder's stream, sees it
 * ended and releases on the way. Either way the holder's stream is the truth: an ended request
 * never reopens, so a release decided on it stays right.
 */
export class RestructuringSlots {
  private readonly slots: AggregateRepository<Parameters<typeof decideSlot>[0], SlotEvent, SlotState>;

  constructor(
    private readonly store: EventStore,
    private readonly metrics?: Metrics,
  ) {
    this.slots = new AggregateRepository(store, slotDecider, { cacheStreams: 0 });
  }

  /** Takes the loan's slot for the decided request and writes the request; the request's append result. */
  async file(requested: RestructuringRequested, ctx: CommandContext, businessDate: BusinessDate): Promise<CommandResult<RestructuringEvent>> {
    const { requestId, loanId } = requested.data;
    const metadata = commandMetadata(ctx);
    const stream = requestStream(requestId);
    const existing = await this.store.readStream(stream, { maxCount: 1 });
    if (existing.length) {
      if (sameCaller(existing[0].metadata, metadata)) return this.repeat(stream);
      throw requestExists(requestId);
    }
    for (let attempt = 0; ; attempt++) {
      const slot = await this.store.readStream(slotStream(loanId));
      const state = fold(evolveSlot, initialSlotState(), slot as unknown as SlotEvent[]);
      const revision = slot.length ? slot[slot.length - 1].revision : -1;
      const holder = state.holder;
      if (holder?.requestId === requestId) {
        // Our own take (a retry after a lost answer or a crash): finish what it committed to.
        const take = lastTake(slot, requestId)!;
        if (!sameCaller(take.metadata, metadata)) throw requestExists(requestId);
        await this.writeRequest(take.data.requestEventId, take.data.request, take.metadata, requestId);
        return this.repeat(stream);
      }
      const facts = holder ? { requestId: holder.requestId, ...(await this.holderFacts(slot, holder)) } : null;
      const requestEventId = newId();
      const decided = decideSlot(
        { type: 'TakeSlot', data: { loanId, requestId, requestEventId, request: requested.data, businessDate, holder: facts } },
        state,
      );
      if (isDomainError(decided)) {
        if (decided.code === 'OPEN_REQUEST_EXISTS') {
          throw new ProblemException(problem(409, 'OPEN_REQUEST_EXISTS', 'Open request exists', decided.message, { requestId: holder!.requestId }));
        }
        throw domainProblem(decided);
      }
      const events: NewEvent[] = decided.map((e) => ({ eventId: newId(), type: e.type, schemaVersion: 1, data: e.data, metadata }));
      try {
        await this.store.appendToStream(slotStream(loanId), events, revision < 0 ? 'no_stream' : revision);
      } catch (err) {
        if (err instanceof RevisionConflictError && attempt < MAX_ATTEMPTS) continue;
        throw err;
      }
      const written = await this.writeRequest(requestEventId, requested.data, metadata, requestId);
      if (!written) {
        // The request's stream was written by another filing with the same (client-chosen) id
        // meanwhile: this filing's take holds nothing and is released.
        await this.release(loanId, requestId, 'NOT_FILED', businessDate, { ...ctx, idempotencyKey: undefined });
        throw requestExists(requestId);
      }
      return { streamId: stream, events: [requested], revision: written.nextExpectedRevision, position: written.position, duplicate: false };
    }
  }

  /** Releases the loan's slot if the ending events end the request that holds it. Never throws. */
  async releaseAfter(events: readonly RestructuringEvent[], ctx: CommandContext, log: (err: unknown) => void): Promise<void> {
    for (const event of events) {
      const ending = ENDINGS[event.type];
      if (!ending) continue;
      const data = event.data as unknown as Record<string, string>;
      await this.releaseQuietly(data.loanId, data.requestId, ending.endedAs, data[ending.date], ctx, log);
    }
  }

  /** Releases the slot the ended request holds, if it still does. Never throws. */
  async releaseQuietly(
    loanId: string,
    requestId: string,
    endedAs: EndedStatus,
    businessDate: string,
    ctx: CommandContext,
    log: (err: unknown) => void,
  ): Promise<void> {
    // The next filing on the loan sees the request ended and releases the slot itself.
    await quietly(() => this.release(loanId, requestId, endedAs, businessDate, ctx), log);
  }

  private async release(loanId: string, requestId: string, endedAs: EndedStatus | 'NOT_FILED', businessDate: string, ctx: CommandContext): Promise<void> {
    await runFollowUp(
      this.metrics,
      this.slots,
      slotStream(loanId),
      { type: 'ReleaseSlot', data: { loanId, requestId, endedAs, businessDate } },
      ctx,
      'ReleaseRestructuringSlot',
      'slot release',
    );
  }

  /** Whether the holder's request is still open, read from its own stream (written from the take if still empty). */
  private async holderFacts(slot: readonly RecordedEvent[], holder: RestructuringSlotTaken['data']): Promise<HolderFacts> {
    let events = await this.store.readStream(requestStream(holder.requestId));
    if (events.length === 0) {
      const take = lastTake(slot, holder.requestId)!;
      await this.writeRequest(holder.requestEventId, holder.request, take.metadata, holder.requestId);
      events = await this.store.readStream(requestStream(holder.requestId));
    }
    const state = fold(evolve, initialRequestState(), events as unknown as RestructuringEvent[]);
    if (state.status === 'None' || state.loanId !== holder.loanId || events[0]?.eventId !== holder.requestEventId) {
      return { status: 'ended', endedAs: 'NOT_FILED' };
    }
    return isEnded(state.status) ? { status: 'ended', endedAs: state.status } : { status: 'open' };
  }

  /** Writes the request's first event; null when the request's stream already holds other events. */
  private async writeRequest(eventId: string, data: RestructuringRequested['data'], metadata: EventMetadata, requestId: string): Promise<AppendResult | null> {
    try {
      return await this.store.appendToStream(
        requestStream(requestId),
        [{ eventId, type: 'RestructuringRequested', schemaVersion: 1, data, metadata }],
        'no_stream',
      );
    } catch (err) {
      if (err instanceof RevisionConflictError || (err as { code?: string }).code === 'EVENT_ID_REUSED') return null;
      throw err;
    }
  }

  private async repeat(stream: string): Promise<CommandResult<RestructuringEvent>> {
    const [first] = await this.store.readStream(stream, { maxCount: 1 });
    return { streamId: stream, events: [], revision: first.revision, position: first.globalPosition, duplicate: true };
  }
}

function lastTake(slot: readonly RecordedEvent[], requestId: string): RecordedEvent<RestructuringSlotTaken['data']> | undefined {
  for (let i = slot.length - 1; i >= 0; i--) {
    const e = slot[i] as RecordedEvent<RestructuringSlotTaken['data']>;
    if (e.type === 'RestructuringSlotTaken' && e.data.requestId === requestId) return e;
  }
  return undefined;
}

/** The same caller repeating its command: same actor and the same idempotency key. */
function sameCaller(stored: EventMetadata, now: EventMetadata): boolean {
  return stored.idempotencyKey !== undefined && stored.idempotencyKey === now.idempotencyKey && stored.actor.id === now.actor.id;
}

function requestExists(requestId: string): ProblemException {
  return new ProblemException(
    problem(409, 'RESTRUCTURING_REQUEST_EXISTS', 'Restructuring request exists', `restructuring request ${requestId} already exists`, { requestId }),
  );
}
