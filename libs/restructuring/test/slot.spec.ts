import { deciderSpec } from '#kernel/testing';
import type { RestructuringRequested } from '../src/domain/request/events.js';
import { slotDecider, type SlotCommand, type SlotEvent } from '../src/domain/slot.js';

/** The loan's restructuring slot: the stream that owns "one open restructuring per loan". */
const spec = deciderSpec(slotDecider);
const LOAN = 'L-1';
const requested = (requestId: string) => ({ requestId, loanId: LOAN }) as unknown as RestructuringRequested['data'];
const takenData = (requestId: string) => ({ loanId: LOAN, requestId, takenOn: '2024-03-20', requestEventId: `e-${requestId}`, request: requested(requestId) });
const taken = (requestId: string): SlotEvent => ({ type: 'RestructuringSlotTaken', data: takenData(requestId) });
const released = (requestId: string, endedAs: 'Rejected' | 'Completed' | 'NOT_FILED' = 'Rejected'): SlotEvent => ({
  type: 'RestructuringSlotReleased',
  data: { loanId: LOAN, requestId, endedAs, releasedOn: '2024-03-20' },
});
const take = (requestId: string, holder: Extract<SlotCommand, { type: 'TakeSlot' }>['data']['holder'] = null): SlotCommand => ({
  type: 'TakeSlot',
  data: { loanId: LOAN, requestId, requestEventId: `e-${requestId}`, request: requested(requestId), businessDate: '2024-03-20', holder },
});
const release = (requestId: string): SlotCommand => ({
  type: 'ReleaseSlot',
  data: { loanId: LOAN, requestId, endedAs: 'Rejected', businessDate: '2024-03-20' },
});

describe('restructuring slot', () => {
  it('is taken by the first request on a free loan, and again after a release', () => {
    spec
      .given([])
      .when(take('r-1'))
      .then([taken('r-1')]);
    spec
      .given([taken('r-1'), released('r-1')])
      .when(take('r-2'))
      .then([taken('r-2')]);
  });

  it('refuses a second request while the holder is open', () => {
    const error = spec
      .given([taken('r-1')])
      .when(take('r-2', { requestId: 'r-1', status: 'open' }))
      .thenError('OPEN_REQUEST_EXISTS');
    expect(error.details).toEqual({ requestId: 'r-1' });
  });

  it('releases a holder whose request has ended in the same append that takes it', () => {
    spec
      .given([taken('r-1')])
      .when(take('r-2', { requestId: 'r-1', status: 'ended', endedAs: 'Completed' }))
      .then([released('r-1', 'Completed'), taken('r-2')]);
  });

  it('refuses facts about another holder than the one on the stream (the slot moved meanwhile)', () => {
    spec
      .given([taken('r-1')])
      .when(take('r-3', { requestId: 'r-9', status: 'ended', endedAs: 'Rejected' }))
      .thenError('SLOT_HOLDER_UNKNOWN');
    spec
      .given([taken('r-1')])
      .when(take('r-3'))
      .thenError('SLOT_HOLDER_UNKNOWN');
  });

  it('takes nothing again for its own holder, and releases only the holder', () => {
    spec
      .given([taken('r-1')])
      .when(take('r-1'))
      .then([]);
    spec
      .given([taken('r-1')])
      .when(release('r-2'))
      .then([]);
    spec
      .given([taken('r-1'), released('r-1')])
      .when(release('r-1'))
      .then([]);
    spec
      .given([taken('r-1')])
      .when(release('r-1'))
      .then([released('r-1')]);
  });
});
