import { domainError, type BusinessDate, type Decider, type DomainEvent, type DomainError } from '#kernel';
import type { RequestStatus, RestructuringRequested } from './request/events.js';

/**
 * A loan's restructuring slot (stream `restructuring.slot-<loanId>`): the stream that owns the rule
 * "one open restructuring per loan". A request is filed by taking the slot (an append at the slot's
 * revision, so of two filings racing for one loan exactly one gets it) and the slot is released when
 * the request ends. Nothing else decides the rule; no read model is consulted.
 *
 * The take carries the request's first event (`request`, with the event id it will be stored
 * under), so the take is the commitment: the request's own stream is written right after it from
 * exactly these facts, and whoever finds a slot taken by a request whose stream is still empty (the
 * filer crashed between the two appends) writes the same event under the same id, which the store
 * keeps once. A filing is therefore never half-written for long, and never needs undoing.
 */

export const slotStream = (loanId: string): string => `restructuring.slot-${loanId}`;

/** The statuses in which a request has ended and no longer holds its loan's slot. */
const ENDED_STATUSES = ['Rejected', 'OfferExpired', 'ActivationFailed', 'Completed', 'Broken'] as const satisfies readonly RequestStatus[];
export type EndedStatus = (typeof ENDED_STATUSES)[number];
export const isEnded = (status: string): status is EndedStatus => (ENDED_STATUSES as readonly string[]).includes(status);

export type RestructuringSlotTaken = DomainEvent<
  'RestructuringSlotTaken',
  {
    readonly loanId: string;
    readonly requestId: string;
    readonly takenOn: BusinessDate;
    /** The id the request's RestructuringRequested event is stored under. */
    readonly requestEventId: string;
    /** The request's first event, as decided. */
    readonly request: RestructuringRequested['data'];
  }
>;

type RestructuringSlotReleased = DomainEvent<
  'RestructuringSlotReleased',
  {
    readonly loanId: string;
    readonly requestId: string;
    /** How the request ended, or `NOT_FILED` when its stream holds another loan's request. */
    readonly endedAs: EndedStatus | 'NOT_FILED';
    readonly releasedOn: BusinessDate;
  }
>;

export type SlotEvent = RestructuringSlotTaken | RestructuringSlotReleased;

export interface SlotState {
  /** The request holding the slot, with its take; null when the slot is free. */
  readonly holder: RestructuringSlotTaken['data'] | null;
}

/** What the filer learned about the holder's request before taking (read from the request's stream). */
export type HolderFacts = { readonly status: 'open' } | { readonly status: 'ended'; readonly endedAs: EndedStatus | 'NOT_FILED' };

export type SlotCommand =
  | {
      readonly type: 'TakeSlot';
      readonly data: {
        readonly loanId: string;
        readonly requestId: string;
        readonly requestEventId: string;
        readonly request: RestructuringRequested['data'];
        readonly businessDate: BusinessDate;
        /** What the holder's stream said, for the holder named here; required when the slot is held. */
        readonly holder: ({ readonly requestId: string } & HolderFacts) | null;
      };
    }
  | {
      readonly type: 'ReleaseSlot';
      readonly data: { readonly loanId: string; readonly requestId: string; readonly endedAs: EndedStatus | 'NOT_FILED'; readonly businessDate: BusinessDate };
    };

export const initialSlotState = (): SlotState => ({ holder: null });

export function evolveSlot(state: SlotState, event: SlotEvent): SlotState {
  switch (event.type) {
    case 'RestructuringSlotTaken':
      return { holder: event.data };
    case 'RestructuringSlotReleased':
      return state.holder?.requestId === event.data.requestId ? { holder: null } : state;
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
}

export function decideSlot(command: SlotCommand, state: SlotState): readonly SlotEvent[] | DomainError {
  if (command.type === 'ReleaseSlot') {
    const d = command.data;
    if (state.holder?.requestId !== d.requestId) return [];
    return [{ type: 'RestructuringSlotReleased', data: { loanId: d.loanId, requestId: d.requestId, endedAs: d.endedAs, releasedOn: d.businessDate } }];
  }
  const c = command.data;
  const take: RestructuringSlotTaken = {
    type: 'RestructuringSlotTaken',
    data: { loanId: c.loanId, requestId: c.requestId, takenOn: c.businessDate, requestEventId: c.requestEventId, request: c.request },
  };
  const holder = state.holder;
  if (holder === null) return [take];
  if (holder.requestId === c.requestId) return [];
  if (c.holder === null || c.holder.requestId !== holder.requestId) {
    return domainError('SLOT_HOLDER_UNKNOWN', 'the facts about the slot’s holder are for another request', { holder: holder.requestId }, 'conflict');
  }
  if (c.holder.status === 'open') {
    return domainError('OPEN_REQUEST_EXISTS', `loan ${c.loanId} already has an open restructuring request`, { requestId: holder.requestId }, 'conflict');
  }
  return [
    { type: 'RestructuringSlotReleased', data: { loanId: c.loanId, requestId: holder.requestId, endedAs: c.holder.endedAs, releasedOn: c.businessDate } },
    take,
  ];
}

export const slotDecider: Decider<SlotCommand, SlotEvent, SlotState> = { initialState: initialSlotState, evolve: evolveSlot, decide: decideSlot };
