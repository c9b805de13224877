import { compareDates, type BusinessDate } from '#kernel';
import type { ContactAttempted } from './case/events.js';
import { inQuietHours, localTimeOf, type ContactRules } from './contact-rules.js';
import { debtorDecider, type DebtorEvent, type DebtorState } from './debtor.js';

/**
 * Rulebook impact: which past contacts a proposed rulebook would have refused, so a compliance
 * officer sees its effect before approving it. The recorded history is replayed in its order:
 * the debtors' ledger facts as they happened (disputes, opt-outs, third-party exceptions and
 * refusals), and every contact that was made (ContactAttempted) judged again under the proposed
 * rules, on a ledger that counts only the contacts the proposed rules let through. Contacts the
 * rules in force refused (ContactBlocked) did not happen and are not judged. Pure: the events come in.
 */

export interface ImpactEvent {
  readonly type: string;
  readonly streamId: string;
  readonly data: unknown;
}

interface ImpactRefusal {
  readonly attemptId: string;
  readonly caseId: string;
  readonly customerId: string;
  readonly by: { readonly kind: 'COLLECTOR' | 'EXECUTOR'; readonly id: string };
  readonly channel: string;
  readonly at: string;
  readonly localDate: BusinessDate;
  readonly code: string;
  /** The version the contact was made under. */
  readonly madeUnder: string;
}

export interface RulebookImpact {
  readonly rulesVersion: string;
  readonly from: BusinessDate;
  readonly to: BusinessDate;
  /** Contacts made in the range (the debtor's local dates). */
  readonly contacts: number;
  readonly refused: readonly ImpactRefusal[];
  readonly byRule: readonly { readonly code: string; readonly count: number }[];
  readonly byCollector: readonly { readonly by: string; readonly code: string; readonly count: number }[];
  readonly byChannel: readonly { readonly channel: string; readonly code: string; readonly count: number }[];
}

/** Ledger facts replayed as recorded; the ledger's own contact log is re-derived under the proposed rules. */
export const LEDGER_FACT_TYPES = [
  'ContactStopped',
  'ContactStopLifted',
  'ChannelOptedOut',
  'ChannelOptedIn',
  'ThirdPartyExceptionRecorded',
  'ThirdPartyExceptionEnded',
  'ThirdPartyRefused',
] as const;
const LEDGER_FACTS = new Set<string>(LEDGER_FACT_TYPES);

function counted<K extends string>(
  refusals: readonly ImpactRefusal[],
  keyOf: (r: ImpactRefusal) => Record<K, string>,
): (Record<K, string> & { count: number })[] {
  const groups = new Map<string, Record<K, string> & { count: number }>();
  for (const r of refusals) {
    const key = keyOf(r);
    const id = JSON.stringify(key);
    const g = groups.get(id) ?? { ...key, count: 0 };
    g.count++;
    groups.set(id, g);
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

export function rulebookImpact(events: readonly ImpactEvent[], rules: ContactRules, from: BusinessDate, to: BusinessDate): RulebookImpact {
  const cases = new Map<string, { customerId: string; timeZone: string }>();
  const ledgers = new Map<string, DebtorState>();
  const ledgerOf = (customerId: string) => ledgers.get(customerId) ?? debtorDecider.initialState();
  const refused: ImpactRefusal[] = [];
  let contacts = 0;
  // A stop or a third party's refusal that a contact itself caused (its id is the attempt's) is
  // derived again when that contact is judged, not replayed: the ledger records it just before the case
  // records the contact, and under the proposed rules the contact may not have happened.
  const attempts = new Set(events.filter((e) => e.type === 'ContactAttempted').map((e) => (e.data as { attemptId: string }).attemptId));
  const causedByContact = (e: ImpactEvent) =>
    (e.type === 'ContactStopped' && attempts.has((e.data as { stopId: string }).stopId)) ||
    (e.type === 'ThirdPartyRefused' && attempts.has((e.data as { attemptId: string }).attemptId));
  for (const e of events) {
    if (e.type === 'CaseOpened' && e.streamId.startsWith('collection.case-')) {
      const d = e.data as { caseId: string; customerId: string; timeZone: string };
      cases.set(d.caseId, { customerId: d.customerId, timeZone: d.timeZone });
      continue;
    }
    if (e.streamId.startsWith('collection.debtor-') && LEDGER_FACTS.has(e.type)) {
      if (causedByContact(e)) continue;
      const d = e.data as { customerId: string };
      ledgers.set(d.customerId, debtorDecider.evolve(ledgerOf(d.customerId), e as DebtorEvent));
      continue;
    }
    if (e.type !== 'ContactAttempted' || !e.streamId.startsWith('collection.case-')) continue;
    const d = (e as unknown as ContactAttempted).data;
    const c = cases.get(d.caseId);
    if (!c) continue;
    const ledger = ledgerOf(c.customerId);
    const zone = ledger.timeZone ?? c.timeZone;
    const local = localTimeOf(d.at, zone);
    const inRange = compareDates(local.date, from) >= 0 && compareDates(local.date, to) <= 0;
    if (inRange) contacts++;
    const refuse = (code: string) => {
      if (inRange)
        refused.push({
          attemptId: d.attemptId,
          caseId: d.caseId,
          customerId: c.customerId,
          by: d.by,
          channel: d.channel,
          at: d.at,
          localDate: local.date,
          code,
          madeUnder: d.rulesVersion,
        });
    };
    if (rules.quietHours.channels.includes(d.channel) && inQuietHours(local.minutes, rules.quietHours)) {
      refuse('CONTACT_OUTSIDE_HOURS');
      continue;
    }
    const decided = debtorDecider.decide(
      {
        type: 'LogContact',
        data: {
          customerId: c.customerId,
          timeZone: c.timeZone,
          attemptId: d.attemptId,
          caseId: d.caseId,
          channel: d.channel,
          party: d.party,
          thirdPartyContactId: d.thirdPartyContactId,
          debtDisclosed: d.debtDisclosed,
          outcome: d.outcome,
          at: d.at,
          rules,
          actionId: d.actionId,
        },
      },
      ledger,
    );
    if (!Array.isArray(decided)) {
      refuse((decided as { code: string }).code);
      continue;
    }
    ledgers.set(c.customerId, decided.reduce(debtorDecider.evolve, ledger));
  }
  return {
    rulesVersion: rules.version,
    from,
    to,
    contacts,
    refused,
    byRule: counted(refused, (r) => ({ code: r.code })),
    byCollector: counted(refused, (r) => ({ by: `${r.by.kind === 'COLLECTOR' ? 'collector' : 'executor'}:${r.by.id}`, code: r.code })),
    byChannel: counted(refused, (r) => ({ channel: r.channel, code: r.code })),
  };
}
