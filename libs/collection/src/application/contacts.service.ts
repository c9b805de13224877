import { Injectable } from '@nestjs/common';
import { domainError, isDomainError, type DomainError } from '#kernel';
import type { CommandContext, CommandResult } from '#eventstore';
import { Metrics, runCommand } from '#platform';
import { attemptProblem, caseRefusalOf, type ContactAttemptData, type DebtorVerdict } from '../domain/case/decide.js';
import type { CaseEvent, CaseState, ContactBlocked } from '../domain/case/events.js';
import type { Certification } from '../domain/collector.js';
import { CONTACT_CODES, type ContactCode } from '../domain/contact-policy.js';
import { inQuietHours, localTimeOf } from '../domain/contact-rules.js';
import type { DebtorEvent } from '../domain/debtor.js';
import type { OutreachEvent } from '../domain/outreach.js';
import { strategyLabel, type AttemptedBy, type Channel, type Outcome, type Party, type PromiseInput } from '../domain/model.js';
import { ContactRulesBook } from './catalog.js';
import { CollectionClock } from './clock.js';
import { CollectionStore, streams } from './collection-store.js';

/**
 * A contact attempt as a collector reports it over HTTP or a channel executor reports it over
 * Kafka. An executor's outcome message maps onto it one to one: its message id is the attemptId
 * (and so the idempotency key), the executor is `by: { kind: 'EXECUTOR', id }`, the action it
 * performed is `actionId`, and `at` is when the contact happened.
 */
export interface ContactAttemptInput {
  readonly attemptId: string;
  readonly actionId?: string | null;
  readonly channel: Channel;
  readonly outcome: Outcome;
  readonly at: string;
  readonly by: AttemptedBy;
  readonly party?: Party;
  readonly thirdPartyContactId?: string | null;
  readonly debtDisclosed?: boolean;
  readonly visitId?: string | null;
  readonly promise?: PromiseInput | null;
  readonly recordingRef?: string | null;
  readonly accompaniedBy?: readonly string[];
  readonly identified?: boolean;
}

/**
 * What became of an attempt: recorded (ContactAttempted and what follows from it), or blocked by a
 * contact rule (ContactBlocked recorded: the caller answers 422 with `code`), or refused outright
 * as malformed (a DomainError, nothing recorded). A repeated attemptId gets the first answer.
 */
export type ContactOutcome =
  | { readonly kind: 'recorded'; readonly result: CommandResult<CaseEvent | DebtorEvent> }
  | {
      readonly kind: 'blocked';
      readonly result: CommandResult<CaseEvent | OutreachEvent>;
      readonly code: string;
      readonly reason: string;
      readonly details: Readonly<Record<string, unknown>>;
    }
  | DomainError;

const isContactCode = (code: string): code is ContactCode => (CONTACT_CODES as readonly string[]).includes(code);

/**
 * Contact attempts go through two aggregates, in this order:
 * 1. the case's own rules are checked on its current state (holds, hours in the debtor's time zone,
 *    field-visit approval, the collector's certification);
 * 2. if those pass, the debtor's contact ledger decides and logs the attempt (disputes and
 *    complaints, opt-outs, third parties, the day's effective calls across all collectors and
 *    executors) — appended at the ledger's revision, so racing attempts are serialised there;
 * 3. the case records the attempt: ContactAttempted, or ContactBlocked with the refusing rule.
 * Both appends carry the attempt id as idempotency key, so a retry after a crash between them
 * repeats nothing and yields the same answer.
 */
@Injectable()
export class ContactService {
  constructor(
    private readonly store: CollectionStore,
    private readonly rulesBook: ContactRulesBook,
    private readonly metrics: Metrics,
    private readonly clock: CollectionClock,
  ) {}

  async attempt(caseId: string, input: ContactAttemptInput, ctx: CommandContext): Promise<ContactOutcome> {
    // The attempt is judged on the open business date of Collection's copy of Loans' calendar.
    const businessDate = await this.clock.today();
    if (isDomainError(businessDate)) return businessDate;
    const data: ContactAttemptData = {
      businessDate,
      caseId,
      attemptId: input.attemptId,
      actionId: input.actionId ?? null,
      channel: input.channel,
      outcome: input.outcome,
      at: input.at,
      by: input.by,
      party: input.party ?? 'DEBTOR',
      thirdPartyContactId: input.thirdPartyContactId ?? null,
      debtDisclosed: input.debtDisclosed ?? false,
      visitId: input.visitId ?? null,
      promise: input.promise ?? null,
      recordingRef: input.recordingRef ?? null,
      accompaniedBy: input.accompaniedBy ?? [],
      identified: input.identified ?? false,
    };
    const key = `contact:${input.attemptId}`;
    // The state as last seen (the caller's scope check has just read it): a repeat or a refusal is
    // confirmed on a fresh read; an attempt that passes is decided again at the append.
    let loaded = await this.store.cases.read(streams.case(caseId));
    if (loaded.fromCache && (this.replay(loaded.state, input.attemptId, caseId, loaded.revision) || attemptProblem(loaded.state, data))) {
      loaded = await this.store.cases.read(streams.case(caseId), { fresh: true });
    }
    const earlier = this.replay(loaded.state, input.attemptId, caseId, loaded.revision);
    if (earlier) return earlier;
    if (loaded.state.status === 'closed' && data.by.kind === 'EXECUTOR') return this.lateReceipt(caseId, data, ctx);
    const problem = attemptProblem(loaded.state, data);
    if (problem) return problem;
    const state = loaded.state as Extract<CaseState, { status: 'open' }>;
    const local = localTimeOf(data.at, state.timeZone);
    const rules = await this.rulesBook.inForce(local.date);
    const certifications = data.by.kind === 'COLLECTOR' ? await this.certificationsOf(data.by.id) : null;
    let verdict: DebtorVerdict = { cleared: true };
    if (!caseRefusalOf(state, data, rules, certifications)) {
      const logged = await runCommand(
        this.metrics,
        this.store.debtors,
        streams.debtor(state.customerId),
        {
          type: 'LogContact',
          data: {
            customerId: state.customerId,
            timeZone: state.timeZone,
            attemptId: data.attemptId,
            caseId,
            channel: data.channel,
            party: data.party,
            thirdPartyContactId: data.thirdPartyContactId,
            debtDisclosed: data.debtDisclosed,
            outcome: data.outcome,
            at: data.at,
            rules,
            actionId: data.actionId,
          },
        },
        {
          ...ctx,
          command: 'LogContact',
          idempotencyKey: key,
          expectedRevision: undefined,
          policyVersions: { ...ctx.policyVersions, contactRules: rules.version },
        },
      );
      if (isDomainError(logged)) {
        if (!isContactCode(logged.code)) return logged;
        verdict = { cleared: false, code: logged.code, message: logged.message, details: logged.details ?? {} };
      }
    }
    const result = await runCommand(
      this.metrics,
      this.store.cases,
      streams.case(caseId),
      { type: 'AttemptContact', data: { ...data, rules, collectorCertifications: certifications, debtorVerdict: verdict } },
      {
        ...ctx,
        command: 'AttemptContact',
        idempotencyKey: key,
        expectedRevision: undefined,
        policyVersions: { ...ctx.policyVersions, contactRules: rules.version, collectionStrategy: strategyLabel(state.plan.strategy) },
      },
    );
    if (isDomainError(result)) return result;
    if (result.duplicate || result.events.length === 0) {
      const again = await this.store.cases.load(streams.case(caseId));
      return this.replay(again.state, input.attemptId, caseId, again.revision) ?? { kind: 'recorded', result };
    }
    const blocked = result.events.find((e): e is ContactBlocked => e.type === 'ContactBlocked');
    if (blocked) return { kind: 'blocked', result, code: blocked.data.code, reason: blocked.data.reason, details: blocked.data.details };
    return { kind: 'recorded', result };
  }

  /**
   * An executor's report on an action of a pre-delinquency track (no case): the debtor's ledger
   * decides and logs it like any contact (quiet hours in the ledger's zone included); a refusal is
   * recorded on the track (OutreachContactBlocked). Null when no track has that id.
   */
  async attemptOnTrack(trackId: string, input: ContactAttemptInput, ctx: CommandContext): Promise<ContactOutcome | null> {
    const { state: track } = await this.store.outreach.load(streams.outreach(trackId));
    if (track.status === 'none') return null;
    const businessDate = await this.clock.today();
    if (isDomainError(businessDate)) return businessDate;
    const { state: ledger } = await this.store.debtors.load(streams.debtor(track.customerId));
    const zone = ledger.timeZone ?? track.timeZone;
    const local = localTimeOf(input.at, zone);
    if (local.date !== businessDate) {
      return domainError(
        'OCCURRED_OUTSIDE_BUSINESS_DAY',
        `the attempt at ${input.at} falls on ${local.date} in ${zone}; the open business date is ${businessDate}`,
        {
          at: input.at,
          localDate: local.date,
          timeZone: zone,
          openBusinessDate: businessDate,
        },
      );
    }
    const rules = await this.rulesBook.inForce(local.date);
    const key = `contact:${input.attemptId}`;
    const quiet = rules.quietHours.channels.includes(input.channel) && inQuietHours(local.minutes, rules.quietHours);
    const logged = quiet
      ? domainError(
          'CONTACT_OUTSIDE_HOURS',
          `${input.channel} at ${local.time} in ${zone} is inside the quiet hours ${rules.quietHours.start}-${rules.quietHours.end}`,
          {
            localTime: local.time,
            timeZone: zone,
          },
        )
      : await runCommand(
          this.metrics,
          this.store.debtors,
          streams.debtor(track.customerId),
          {
            type: 'LogContact',
            data: {
              customerId: track.customerId,
              timeZone: track.timeZone,
              attemptId: input.attemptId,
              caseId: trackId,
              channel: input.channel,
              party: input.party ?? 'DEBTOR',
              thirdPartyContactId: input.thirdPartyContactId ?? null,
              debtDisclosed: input.debtDisclosed ?? false,
              outcome: input.outcome,
              at: input.at,
              rules,
              actionId: input.actionId ?? null,
            },
          },
          {
            ...ctx,
            command: 'LogContact',
            idempotencyKey: key,
            expectedRevision: undefined,
            policyVersions: { ...ctx.policyVersions, contactRules: rules.version },
          },
        );
    if (!isDomainError(logged)) return { kind: 'recorded', result: logged };
    if (!isContactCode(logged.code)) return logged;
    const blocked = await runCommand(
      this.metrics,
      this.store.outreach,
      streams.outreach(trackId),
      {
        type: 'RecordBlockedContact',
        data: {
          trackId,
          attemptId: input.attemptId,
          actionId: input.actionId ?? null,
          channel: input.channel,
          outcome: input.outcome,
          at: input.at,
          localDate: local.date,
          code: logged.code,
          reason: logged.message,
          rulesVersion: rules.version,
        },
      },
      {
        ...ctx,
        command: 'RecordBlockedContact',
        idempotencyKey: key,
        expectedRevision: undefined,
        policyVersions: { ...ctx.policyVersions, contactRules: rules.version },
      },
    );
    if (isDomainError(blocked)) return blocked;
    return { kind: 'blocked', result: blocked, code: logged.code, reason: logged.message, details: logged.details ?? {} };
  }

  /** The first answer to an attempt id already on the case. */
  /** An executor's receipt for a closed case: recorded on its history (LateReceiptRecorded), nothing judged. */
  private async lateReceipt(caseId: string, data: ContactAttemptData, ctx: CommandContext): Promise<ContactOutcome> {
    const result = await runCommand(
      this.metrics,
      this.store.cases,
      streams.case(caseId),
      {
        type: 'AttemptContact',
        data: { ...data, rules: await this.rulesBook.inForce(data.businessDate), collectorCertifications: null, debtorVerdict: { cleared: true } },
      },
      { ...ctx, command: 'AttemptContact', idempotencyKey: `contact:${data.attemptId}`, expectedRevision: undefined },
    );
    return isDomainError(result) ? result : { kind: 'recorded', result };
  }

  private replay(state: CaseState, attemptId: string, caseId: string, revision: number): ContactOutcome | null {
    if (state.status === 'none') return null;
    const earlier = state.attempts[attemptId];
    if (!earlier) return null;
    const result: CommandResult<CaseEvent> = { streamId: streams.case(caseId), events: [], revision, position: null, duplicate: true };
    return earlier.blocked
      ? { kind: 'blocked', result, code: earlier.blocked.code, reason: earlier.blocked.reason, details: earlier.blocked.details }
      : { kind: 'recorded', result };
  }

  private async certificationsOf(collectorId: string): Promise<Record<string, Certification>> {
    const { state } = await this.store.collectors.load(streams.collector(collectorId));
    return state.status === 'registered' ? { ...state.certifications } : {};
  }
}
