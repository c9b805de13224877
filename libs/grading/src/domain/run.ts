import { domainError, type BusinessDate, type Decider, type DomainError, type EventOf, type EventsOf } from '#kernel';

/**
 * A portfolio run (`grading.run-<runId>`): regrade every customer, or reclassify every loan, in
 * batches. Progress is recorded after each batch with the cursor (the last id done), so a run that
 * stops (crash, deploy) resumes after its last recorded batch; commands within a batch are
 * idempotent, so redoing part of a batch changes nothing.
 */
export type RunKind = 'regrade' | 'reclassify';

interface RunCause {
  readonly type: 'policy-activated' | 'rules-activated' | 'requested';
  /** The activation (registry event) that started the run, when one did. */
  readonly activationEventId: string | null;
  readonly policyId: string | null;
  readonly rulesetId: string | null;
  readonly version: number | null;
}

/** Each portfolio run event's data, by event type. */
interface RunEventData {
  readonly PortfolioRunStarted: {
    readonly runId: string;
    readonly kind: RunKind;
    readonly asOf: BusinessDate;
    readonly cause: RunCause;
    readonly requestedBy: string;
  };
  readonly PortfolioRunProgressed: {
    readonly runId: string;
    readonly cursor: string;
    readonly processed: number;
    readonly changed: number;
    readonly total: number;
  };
  readonly PortfolioRunCompleted: {
    readonly runId: string;
    readonly processed: number;
    readonly changed: number;
    readonly outcome: 'completed' | 'superseded';
    readonly supersededBy: string | null;
  };
}
export type PortfolioRunStarted = EventOf<RunEventData, 'PortfolioRunStarted'>;
export type PortfolioRunProgressed = EventOf<RunEventData, 'PortfolioRunProgressed'>;
export type PortfolioRunCompleted = EventOf<RunEventData, 'PortfolioRunCompleted'>;

export type RunEvent = EventsOf<RunEventData>;

export type RunState =
  | { readonly status: 'none' }
  | {
      readonly status: 'running' | 'completed';
      readonly runId: string;
      readonly kind: RunKind;
      readonly asOf: BusinessDate;
      readonly cursor: string | null;
      readonly processed: number;
      readonly changed: number;
      readonly total: number | null;
    };

export type RunCommand =
  | {
      readonly type: 'StartRun';
      readonly runId: string;
      readonly kind: RunKind;
      readonly asOf: BusinessDate;
      readonly cause: RunCause;
      readonly requestedBy: string;
    }
  | {
      readonly type: 'RecordProgress';
      readonly runId: string;
      readonly cursor: string;
      readonly processedInBatch: number;
      readonly changedInBatch: number;
      readonly total: number;
    }
  | { readonly type: 'CompleteRun'; readonly runId: string; readonly supersededBy: string | null };

export const runDecider: Decider<RunCommand, RunEvent, RunState> = {
  initialState: () => ({ status: 'none' }),
  evolve(state, event) {
    switch (event.type) {
      case 'PortfolioRunStarted':
        return {
          status: 'running',
          runId: event.data.runId,
          kind: event.data.kind,
          asOf: event.data.asOf,
          cursor: null,
          processed: 0,
          changed: 0,
          total: null,
        };
      case 'PortfolioRunProgressed':
        return state.status === 'none'
          ? state
          : { ...state, cursor: event.data.cursor, processed: event.data.processed, changed: event.data.changed, total: event.data.total };
      case 'PortfolioRunCompleted':
        return state.status === 'none' ? state : { ...state, status: 'completed', processed: event.data.processed, changed: event.data.changed };
      default:
        return state;
    }
  },
  decide(command, state): readonly RunEvent[] | DomainError {
    switch (command.type) {
      case 'StartRun': {
        if (state.status !== 'none') return [];
        const { runId, kind, asOf, cause, requestedBy } = command;
        return [{ type: 'PortfolioRunStarted', data: { runId, kind, asOf, cause, requestedBy } }];
      }
      case 'RecordProgress':
        if (state.status === 'none') return domainError('RUN_NOT_FOUND', `no run ${command.runId}`, undefined, 'not_found');
        // A batch already recorded (a resumed worker redid it) is not recorded twice.
        if (state.status === 'completed' || (state.cursor !== null && command.cursor <= state.cursor)) return [];
        return [
          {
            type: 'PortfolioRunProgressed',
            data: {
              runId: command.runId,
              cursor: command.cursor,
              processed: state.processed + command.processedInBatch,
              changed: state.changed + command.changedInBatch,
              total: command.total,
            },
          },
        ];
      case 'CompleteRun':
        if (state.status === 'none') return domainError('RUN_NOT_FOUND', `no run ${command.runId}`, undefined, 'not_found');
        if (state.status === 'completed') return [];
        return [
          {
            type: 'PortfolioRunCompleted',
            data: {
              runId: command.runId,
              processed: state.processed,
              changed: state.changed,
              outcome: command.supersededBy ? 'superseded' : 'completed',
              supersededBy: command.supersededBy,
            },
          },
        ];
    }
  },
};
