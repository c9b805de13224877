import { assertNever, comparePositions, parsePosition, type BusinessDate, type Decider, type DomainError, type DomainEvent } from '#kernel';
import { severityFor, type RuleSet, type Severity, type Signal } from './early-warning.rules.js';

/**
 * The CustomerWatch aggregate (stream `monitoring.customer-<customerId>`): a customer's early-warning
 * episodes. It de-duplicates: within one episode a signal key fires once.
 *
 * An episode starts with the first warning signal and ends at the first later observation that
 * shows the customer current again with no signal of its own: a cure or pay-off that leaves no
 * loan past due, a payment in full while no loan is past due, or a kept promise while no loan is
 * past due (`EarlyWarningEpisodeClosed`). The next signal after that starts a new episode, and the
 * same signals may then fire again.
 *
 * Observations arrive in the global order of their source events, and every event records the
 * source's position: an observation at or before the last recorded one is a replay (a reactor
 * rebuilt, a batch redone) and changes nothing, so a replay can neither repeat a warning nor close
 * a later episode with an old cure.
 */

export interface Episode {
  /** 1 for the customer's first episode, then 2, ... */
  readonly number: number;
  readonly startedOn: BusinessDate;
}

export type EarlyWarningRaised = DomainEvent<
  'EarlyWarningRaised',
  {
    readonly customerId: string;
    /** The signals new to this episode (already fired ones are not repeated). */
    readonly signals: readonly Signal[];
    /** Severity of the episode so far: the summed weights of every signal fired in it. */
    readonly severity: Severity;
    readonly score: number;
    readonly ruleSetVersion: string;
    readonly episode: Episode;
    readonly asOf: BusinessDate;
    /** Global position (`commit/prepare`) of the observed event. */
    readonly sourcePosition: string;
  }
>;

export type EarlyWarningEpisodeClosed = DomainEvent<
  'EarlyWarningEpisodeClosed',
  {
    readonly customerId: string;
    readonly episode: Episode;
    readonly closedOn: BusinessDate;
    /** The observation that showed the customer current again. */
    readonly reason: string;
    readonly sourceEventId: string;
    readonly sourcePosition: string;
  }
>;

export type CustomerWatchEvent = EarlyWarningRaised | EarlyWarningEpisodeClosed;

export type CustomerWatchState =
  | { readonly status: 'quiet'; readonly episodes: number; readonly lastSource: string | null }
  | {
      readonly status: 'watching';
      readonly episodes: number;
      readonly lastSource: string | null;
      readonly episode: Episode;
      readonly fired: readonly string[];
      readonly score: number;
      readonly severity: Severity;
    };

/** One observation's verdict from the rule set, handed to the aggregate. */
export interface RecordObservation {
  readonly type: 'RecordObservation';
  readonly customerId: string;
  readonly asOf: BusinessDate;
  readonly signals: readonly Signal[];
  /** The observation shows the customer current again (see the episode rule above). */
  readonly current: boolean;
  /** What showed it (an event type), recorded when it closes an episode. */
  readonly reason: string;
  readonly sourceEventId: string;
  /** Global position (`commit/prepare`) of the observed event. */
  readonly sourcePosition: string;
  readonly ruleSet: Pick<RuleSet, 'version' | 'severity'>;
}

export type CustomerWatchCommand = RecordObservation;

function evolve(state: CustomerWatchState, event: CustomerWatchEvent): CustomerWatchState {
  switch (event.type) {
    case 'EarlyWarningRaised': {
      const { episode, signals, score, severity } = event.data;
      const fired = state.status === 'watching' && state.episode.number === episode.number ? state.fired : [];
      return {
        status: 'watching',
        episodes: Math.max(state.episodes, episode.number),
        lastSource: event.data.sourcePosition,
        episode,
        fired: [...fired, ...signals.map((s) => s.key)],
        score,
        severity,
      };
    }
    case 'EarlyWarningEpisodeClosed':
      return { status: 'quiet', episodes: Math.max(state.episodes, event.data.episode.number), lastSource: event.data.sourcePosition };
    default:
      return assertNever(event, 'customer watch event');
  }
}

function decide(command: CustomerWatchCommand, state: CustomerWatchState): readonly CustomerWatchEvent[] | DomainError {
  switch (command.type) {
    case 'RecordObservation': {
      if (state.lastSource !== null && comparePositions(parsePosition(command.sourcePosition), parsePosition(state.lastSource)) <= 0) return [];
      const fired = new Set(state.status === 'watching' ? state.fired : []);
      const fresh: Signal[] = [];
      for (const s of command.signals) {
        if (fired.has(s.key)) continue;
        fired.add(s.key);
        fresh.push(s);
      }
      if (fresh.length > 0) {
        const episode = state.status === 'watching' ? state.episode : { number: state.episodes + 1, startedOn: command.asOf };
        const score = (state.status === 'watching' ? state.score : 0) + fresh.reduce((sum, s) => sum + s.weight, 0);
        return [
          {
            type: 'EarlyWarningRaised',
            data: {
              customerId: command.customerId,
              signals: fresh,
              severity: severityFor(score, command.ruleSet.severity),
              score,
              ruleSetVersion: command.ruleSet.version,
              episode,
              asOf: command.asOf,
              sourcePosition: command.sourcePosition,
            },
          },
        ];
      }
      if (state.status === 'watching' && command.current && command.signals.length === 0) {
        return [
          {
            type: 'EarlyWarningEpisodeClosed',
            data: {
              customerId: command.customerId,
              episode: state.episode,
              closedOn: command.asOf,
              reason: command.reason,
              sourceEventId: command.sourceEventId,
              sourcePosition: command.sourcePosition,
            },
          },
        ];
      }
      return [];
    }
    default:
      return assertNever(command.type, 'customer watch command');
  }
}

export const customerWatchDecider: Decider<CustomerWatchCommand, CustomerWatchEvent, CustomerWatchState> = {
  initialState: () => ({ status: 'quiet', episodes: 0, lastSource: null }),
  decide,
  evolve,
};

export const customerWatchStream = (customerId: string) => `monitoring.customer-${customerId}`;
