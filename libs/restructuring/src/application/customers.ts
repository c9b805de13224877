import {
  RevisionConflictError,
  compareDates,
  deterministicId,
  fold,
  isDomainError,
  newId,
  type BusinessDate,
  type EventMetadata,
  type RecordedEvent,
} from '#kernel';
import { AggregateRepository, commandMetadata, type AppendResult, type CommandContext, type CommandResult, type EventStore } from '#eventstore';
import { domainProblem, type Metrics } from '#platform';
import {
  customerDecider,
  customerStream,
  decideCustomer,
  evolveCustomer,
  initialCustomerState,
  recentCommitments,
  type CommitmentFacts,
  type CustomerCommand,
  type CustomerEvent,
  type CustomerState,
  type RestructuringCommitted,
  type VoidReason,
} from '../domain/customer.js';
import { evolve, initialRequestState, type RestructuringAccepted, type RestructuringEvent } from '../domain/request/events.js';
import { requestStream } from './slots.js';
import { quietly, runFollowUp } from './follow-up.js';

const MAX_ATTEMPTS = 8;
type Commitment = RestructuringCommitted['data'];

/**
 * Commits acceptances through their customer's restructurings stream (see `domain/customer.ts`),
 * which owns the lookback rule across the customer's loans.
 *
 * Accepting: (1) decide the acceptance on the request (pure, done by the caller); (2) commit it on
 * the customer's stream with an append at that stream's revision, refused `RECENT_RESTRUCTURING`
 * when another commitment inside the lookback is in effect, and voiding in the same append the
 * recent ones whose request shows they never took effect; (3) write the acceptance, carried by the
 * commitment, to the request's stream at the revision the commitment names. A racing acceptance on
 * another loan of the customer loses at (2) on the revision, re-reads and is refused. One that dies
 * between (2) and (3) leaves a commitment whose acceptance any later reader writes from it under
 * the same event id at the same revision, so the store keeps it once; if the request has moved on
 * instead (its offer expired), the commitment never took effect and is voided. No step is undone.
 */
export class RestructuringCustomers {
  private readonly customers: AggregateRepository<CustomerCommand, CustomerEvent, CustomerState>;

  constructor(
    private readonly store: EventStore,
    private readonly metrics?: Metrics,
  ) {
    this.customers = new AggregateRepository(store, customerDecider, { cacheStreams: 0 });
  }

  /**
   * The date the customer's latest restructuring other than `exceptRequestId` took effect (or will,
   * once its acceptance is written), from the customer's stream; for the assessment's early answer.
   * Writes nothing.
   */
  async lastRestructuredOn(customerId: string, exceptRequestId: string | null): Promise<BusinessDate | null> {
    const { state } = await this.customers.load(customerStream(customerId));
    const newestFirst = state.commitments.filter((c) => c.requestId !== exceptRequestId).sort((a, b) => compareDates(b.committedOn, a.committedOn));
    for (const commitment of newestFirst) {
      if ((await this.facts(commitment, null)).status === 'in_effect') return commitment.committedOn;
    }
    return null;
  }

  /**
   * Commits the decided acceptance on the customer's stream and writes it to the request. Null when
   * the request's own stream must answer: the request was committed already (the acceptance is
   * written from that commitment first), or it moved on before the acceptance could be written.
   */
  async commit(
    accepted: RestructuringAccepted,
    requestRevision: number,
    lookbackMonths: number,
    ctx: CommandContext,
  ): Promise<CommandResult<RestructuringEvent> | null> {
    const { customerId, loanId, requestId, acceptedOn: businessDate } = accepted.data;
    const stream = customerStream(customerId);
    const metadata = commandMetadata(ctx);
    const acceptanceEventId = ctx.idempotencyKey ? deterministicId(ctx.idempotencyKey, ctx.command, requestStream(requestId), 0) : newId();
    for (let attempt = 0; ; attempt++) {
      const events = await this.store.readStream(stream);
      const state = fold(evolveCustomer, initialCustomerState(), events as unknown as CustomerEvent[]);
      const revision = events.length ? events[events.length - 1].revision : -1;
      const own = state.commitments.find((c) => c.requestId === requestId);
      if (own) {
        // Committed before (a retry, or a concurrent acceptance of this request): finish what it committed to.
        await this.facts(own, committedBy(events, requestId));
        return null;
      }
      const recent: Record<string, CommitmentFacts> = {};
      for (const other of recentCommitments(state, businessDate, lookbackMonths, requestId)) {
        recent[other.requestId] = await this.facts(other, committedBy(events, other.requestId));
      }
      const decided = decideCustomer(
        {
          type: 'CommitRestructuring',
          data: { customerId, loanId, requestId, requestRevision, acceptanceEventId, acceptance: accepted.data, lookbackMonths, businessDate, recent },
        },
        state,
      );
      if (isDomainError(decided)) throw domainProblem(decided);
      try {
        await this.store.appendToStream(
          stream,
          decided.map((e) => ({ eventId: newId(), type: e.type, schemaVersion: 1, data: e.data, metadata })),
          revision < 0 ? 'no_stream' : revision,
        );
      } catch (err) {
        if (err instanceof RevisionConflictError && attempt < MAX_ATTEMPTS) continue;
        throw err;
      }
      const commitment = (decided.at(-1) as RestructuringCommitted).data;
      const written = await this.writeAcceptance(commitment, metadata);
      if (!written) {
        // The request moved on first (its offer expired): this commitment never took effect.
        await this.void(customerId, requestId, 'NOT_ACCEPTED', businessDate, { ...ctx, idempotencyKey: undefined });
        return null;
      }
      return { streamId: requestStream(requestId), events: [accepted], revision: written.nextExpectedRevision, position: written.position, duplicate: false };
    }
  }

  /** Voids the request's commitment (its activation failed). Never throws. */
  async voidQuietly(
    customerId: string,
    requestId: string,
    reason: VoidReason,
    businessDate: BusinessDate,
    ctx: CommandContext,
    log: (err: unknown) => void,
  ): Promise<void> {
    // The next acceptance inside the lookback reads the request, sees it failed and voids it itself.
    await quietly(() => this.void(customerId, requestId, reason, businessDate, ctx), log);
  }

  private async void(customerId: string, requestId: string, reason: VoidReason, businessDate: BusinessDate, ctx: CommandContext): Promise<void> {
    await runFollowUp(
      this.metrics,
      this.customers,
      customerStream(customerId),
      { type: 'VoidCommitment', data: { customerId, requestId, reason, businessDate } },
      ctx,
      'VoidRestructuringCommitment',
      'commitment void',
    );
  }

  /**
   * Whether the commitment's restructuring took effect, read from its request's stream. With the
   * commitment's recorded metadata, an acceptance not yet written is written from the commitment
   * first; without (a read only), one that can still be written counts as in effect.
   */
  private async facts(commitment: Commitment, metadata: EventMetadata | null): Promise<CommitmentFacts> {
    for (let attempt = 0; ; attempt++) {
      const events = await this.store.readStream(requestStream(commitment.requestId));
      const state = fold(evolve, initialRequestState(), events as unknown as RestructuringEvent[]);
      if (events.some((e) => e.eventId === commitment.acceptanceEventId)) {
        return state.status === 'ActivationFailed' ? { status: 'void', reason: 'ActivationFailed' } : { status: 'in_effect' };
      }
      const revision = events.length ? events[events.length - 1].revision : -1;
      if (revision !== commitment.requestRevision || state.status !== 'Offered') return { status: 'void', reason: 'NOT_ACCEPTED' };
      if (metadata === null) return { status: 'in_effect' };
      if (await this.writeAcceptance(commitment, metadata)) return { status: 'in_effect' };
      if (attempt >= 1) return { status: 'void', reason: 'NOT_ACCEPTED' };
    }
  }

  /** Writes the commitment's acceptance at the revision it names; null when the request's stream has moved on. */
  private async writeAcceptance(commitment: Commitment, metadata: EventMetadata): Promise<AppendResult | null> {
    try {
      return await this.store.appendToStream(
        requestStream(commitment.requestId),
        [{ eventId: commitment.acceptanceEventId, type: 'RestructuringAccepted', schemaVersion: 1, data: commitment.acceptance, metadata }],
        commitment.requestRevision < 0 ? 'no_stream' : commitment.requestRevision,
      );
    } catch (err) {
      if (err instanceof RevisionConflictError || (err as { code?: string }).code === 'EVENT_ID_REUSED') return null;
      throw err;
    }
  }
}

/** The metadata of the event that committed the request, under which its acceptance is written. */
function committedBy(events: readonly RecordedEvent[], requestId: string): EventMetadata {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i] as RecordedEvent<Commitment>;
    if (e.type === 'RestructuringCommitted' && e.data.requestId === requestId) return e.metadata;
  }
  throw new Error(`no commitment of ${requestId}`);
}
