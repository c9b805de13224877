import { Injectable } from '@nestjs/common';
import type { DomainError } from '#kernel';
import type { CommandContext, CommandResult } from '#eventstore';
import { Metrics } from '#platform';
import type { DebtorEvent } from '../domain/debtor.js';
import type { Channel } from '../domain/model.js';
import { ContactRulesBook } from './catalog.js';
import { CollectionClock } from './clock.js';
import { CollectionStore, streams } from './collection-store.js';
import { runCommand } from './commands.js';

/** What the debtor's ledger says about the debtor's own preferences and the stops on them. */
export interface DebtorPreferences {
  readonly customerId: string;
  readonly optedOut: readonly Channel[];
  /** The channels the contact rules in force offer an opt-out of. */
  readonly optOutChannels: readonly Channel[];
  readonly stops: ReadonlyArray<{ readonly stopId: string; readonly caseId: string; readonly reason: string }>;
  readonly revision: number;
}

/**
 * The debtor's own contact preferences on their ledger, for other contexts (the self-service
 * channel) through Collection's published index: the same SetChannelOptOut command, judged against
 * the contact rules in force on the business date, that staff send through
 * POST /collection/debtors/:customerId/opt-outs. Callers check scope first.
 */
@Injectable()
export class DebtorPreferencesService {
  constructor(
    private readonly store: CollectionStore,
    private readonly rules: ContactRulesBook,
    private readonly clock: CollectionClock,
    private readonly metrics: Metrics,
  ) {}

  async setOptOut(customerId: string, channel: Channel, optedOut: boolean, ctx: CommandContext): Promise<CommandResult<DebtorEvent> | DomainError> {
    const rules = await this.rules.inForce(await this.clock.todayOrThrow());
    return runCommand(
      this.metrics,
      this.store.debtors,
      streams.debtor(customerId),
      { type: 'SetChannelOptOut', data: { customerId, channel, optedOut, rules } },
      { ...ctx, policyVersions: { ...ctx.policyVersions, contactRules: rules.version } },
    );
  }

  async preferences(customerId: string): Promise<DebtorPreferences> {
    const [loaded, rules] = await Promise.all([this.store.debtors.load(streams.debtor(customerId)), this.clock.todayOrThrow().then((d) => this.rules.inForce(d))]);
    const s = loaded.state;
    return {
      customerId,
      optedOut: s.optedOut,
      optOutChannels: rules.optOutChannels,
      stops: Object.entries(s.stops).map(([stopId, v]) => ({ stopId, caseId: v.caseId, reason: v.reason })),
      revision: loaded.revision,
    };
  }
}
