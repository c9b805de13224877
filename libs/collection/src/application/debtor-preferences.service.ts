import { Injectable } from '@nestjs/common';
import type { DomainError } from '#kernel';
import type { CommandContext, CommandResult } from '#eventstore';
import { Metrics, runCommand } from '#platform';
import type { ContactRules } from '../domain/contact-rules.js';
import { PREFERRED_TIME_CHANNELS, type DebtorCommand, type DebtorEvent } from '../domain/debtor.js';
import type { ContactWindow } from '../domain/dispatch.js';
import type { Channel } from '../domain/model.js';
import { ContactRulesBook } from './catalog.js';
import { CollectionClock } from './clock.js';
import { CollectionStore, streams } from './collection-store.js';

/** What the debtor's ledger says about the debtor's own preferences and the stops on them. */
export interface DebtorPreferences {
  readonly customerId: string;
  readonly optedOut: readonly Channel[];
  /** The channels the contact rules in force offer an opt-out of. */
  readonly optOutChannels: readonly Channel[];
  readonly stops: ReadonlyArray<{ readonly stopId: string; readonly caseId: string; readonly reason: string }>;
  /** Preferred contact times by channel (local times in the debtor's zone), and the channels that take them. */
  readonly preferredTimes: Readonly<Partial<Record<Channel, readonly ContactWindow[]>>>;
  readonly preferredTimeChannels: readonly Channel[];
  /** The hours the contact rules in force forbid contact in (preferred windows lie outside them). */
  readonly quietHours: { readonly start: string; readonly end: string };
  /** The debtor's zone the times are in (the ledger's; null until the first contact or release). */
  readonly timeZone: string | null;
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
    return this.onLedger(customerId, (rules) => ({ type: 'SetChannelOptOut', data: { customerId, channel, optedOut, rules } }), ctx);
  }

  /** The debtor's preferred contact times on a channel (SetPreferredContactTimes), judged against the rules in force. */
  async setPreferredTimes(
    customerId: string,
    channel: Channel,
    windows: readonly ContactWindow[],
    ctx: CommandContext,
  ): Promise<CommandResult<DebtorEvent> | DomainError> {
    return this.onLedger(customerId, (rules) => ({ type: 'SetPreferredContactTimes', data: { customerId, channel, windows, rules } }), ctx);
  }

  /** A command on the debtor's ledger under the contact rules in force on the business date, their version recorded. */
  private async onLedger(
    customerId: string,
    command: (rules: ContactRules) => DebtorCommand,
    ctx: CommandContext,
  ): Promise<CommandResult<DebtorEvent> | DomainError> {
    const rules = await this.rules.inForce(await this.clock.todayOrThrow());
    return runCommand(this.metrics, this.store.debtors, streams.debtor(customerId), command(rules), {
      ...ctx,
      policyVersions: { ...ctx.policyVersions, contactRules: rules.version },
    });
  }

  async preferences(customerId: string): Promise<DebtorPreferences> {
    const [loaded, rules] = await Promise.all([
      this.store.debtors.load(streams.debtor(customerId)),
      this.clock.todayOrThrow().then((d) => this.rules.inForce(d)),
    ]);
    const s = loaded.state;
    return {
      customerId,
      optedOut: s.optedOut,
      optOutChannels: rules.optOutChannels,
      stops: Object.entries(s.stops).map(([stopId, v]) => ({ stopId, caseId: v.caseId, reason: v.reason })),
      preferredTimes: Object.fromEntries(Object.entries(s.preferredTimes).filter(([, w]) => w && w.length > 0)),
      preferredTimeChannels: PREFERRED_TIME_CHANNELS,
      quietHours: { start: rules.quietHours.start, end: rules.quietHours.end },
      timeZone: s.timeZone,
      revision: loaded.revision,
    };
  }
}
