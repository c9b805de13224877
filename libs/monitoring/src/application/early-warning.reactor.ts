import { formatPosition, isDomainError, type RecordedEvent } from '#kernel';
import { runCommand } from '#platform';
import { forEachPartitioned, type Projection } from '#projections';
import { assess, emptyBehaviour, WATCHED_KINDS, type CustomerBehaviour } from '../domain/early-warning.rules.js';
import { customerWatchStream } from '../domain/customer-watch.js';
import type { Observation } from '../domain/observations.js';
import { RowCache } from '../read-model/row-cache.js';
import { OBSERVED_EVENT_TYPES, observe } from './sources/index.js';
import type { MonitoringRuntime } from './runtime.js';

export const EARLY_WARNING_REACTOR = 'monitoring_early_warning';

interface RefRow {
  ref: string;
  customer_id: string;
  [k: string]: unknown;
}

interface BehaviourRow {
  customer_id: string;
  behaviour: CustomerBehaviour;
  [k: string]: unknown;
}

/**
 * The early-warning reactor. For every observed event it folds the observation into the customer's
 * watched behaviour (kept in its own tables, in the batch's transaction), runs the rule set, and
 * hands the verdict to the customer's CustomerWatch aggregate, which de-duplicates and raises
 * `EarlyWarningRaised` or closes the episode.
 *
 * The command's idempotency key is derived from the triggering event, and the behaviour rows commit
 * with the checkpoint: a crash after a command but before the commit replays the batch from the
 * same behaviour, decides the same verdicts, and the repeated commands append nothing.
 */
export function earlyWarningReactor(runtime: MonitoringRuntime): Projection {
  return {
    name: EARLY_WARNING_REACTOR,
    version: 1,
    reacts: true,
    filter: { eventTypes: [...OBSERVED_EVENT_TYPES] },
    tables: {
      mon_ew_refs: 'CREATE TABLE {table} (ref text PRIMARY KEY, customer_id text NOT NULL)',
      mon_ew_behaviour: 'CREATE TABLE {table} (customer_id text PRIMARY KEY, behaviour jsonb NOT NULL)',
    },
    async apply(ctx, events) {
      const refs = new RowCache<RefRow>(ctx, 'mon_ew_refs', 'ref');
      const behaviours = new RowCache<BehaviourRow>(ctx, 'mon_ew_behaviour', 'customer_id');
      const work: Array<{ event: RecordedEvent; observation: Observation; index: number }> = [];
      for (const event of events) observe(event).forEach((observation, index) => work.push({ event, observation, index }));

      // Who each observation is about: stated, or through the loan or case it names.
      const refOf = (o: Observation): string | null =>
        'customerId' in o && o.customerId ? null : 'loanId' in o && o.loanId ? `loan:${o.loanId}` : 'caseId' in o && o.caseId ? `case:${o.caseId}` : null;
      await refs.prefetch(work.map((w) => refOf(w.observation)).filter((r): r is string => r !== null));

      const customerOf = async (o: Observation): Promise<string | null> => {
        if ('customerId' in o && o.customerId) return o.customerId;
        const ref = refOf(o);
        return ref ? ((await refs.get(ref))?.customer_id ?? null) : null;
      };

      const ruleSet = runtime.settings.ruleSet;
      // Who each observation is about, in order (an opening teaches the refs of later ones); then
      // each customer's observations in order, different customers concurrently.
      const resolved: Array<{ event: RecordedEvent; observation: Observation; index: number; customerId: string }> = [];
      for (const { event, observation: o, index } of work) {
        if (o.kind === 'LoanOpened') refs.set({ ref: `loan:${o.loanId}`, customer_id: o.customerId });
        if (o.kind === 'CaseOpened') refs.set({ ref: `case:${o.caseId}`, customer_id: o.customerId });
        if (!WATCHED_KINDS.has(o.kind) || o.on === null) continue;
        const customerId = await customerOf(o);
        if (customerId) resolved.push({ event, observation: o, index, customerId });
      }
      await behaviours.prefetch([...new Set(resolved.map((r) => r.customerId))]);
      await forEachPartitioned(
        resolved,
        (r) => r.customerId,
        8,
        async ({ event, observation: o, index, customerId }) => {
          const row = await behaviours.get(customerId);
          const { behaviour, signals, current } = assess(ruleSet, row?.behaviour ?? emptyBehaviour(customerId), o);
          behaviours.set({ customer_id: customerId, behaviour });
          if (signals.length === 0 && !current) return;
          // Replayed (rebuild, verify) or already decided: the behaviour rows above are all there is to do.
          const reaction = ctx.reaction(event);
          if (!reaction) return;
          const streamId = customerWatchStream(customerId);
          const result = await runCommand(
            runtime.metrics,
            runtime.customers,
            streamId,
            {
              type: 'RecordObservation',
              customerId,
              asOf: o.on!,
              signals,
              current,
              reason: event.type,
              sourceEventId: event.eventId,
              sourcePosition: formatPosition(event.globalPosition),
              ruleSet,
            },
            reaction.context('RecordObservation', {
              idempotencyKey: `${EARLY_WARNING_REACTOR}:${event.eventId}:${index}`,
              policyVersions: { earlyWarningRuleSet: ruleSet.version },
            }),
          );
          if (isDomainError(result)) throw new Error(`${result.code}: ${result.message}`);
        },
      );
      await refs.flush();
      await behaviours.flush();
    },
  };
}
