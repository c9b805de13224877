import { addDays, type BusinessDate } from '#kernel';

/**
 * The yearly evaluation's comparison with the bank's own collectors, as pure functions over two
 * read models: the placements (Agencies' own) and one record per Collection case, folded from
 * Collection's published case events (`CASE_EVENT_TYPES`: CaseOpened, CaseEscalated,
 * CaseDeescalated, PaymentRecorded, CasePaymentReversed, PromiseToPayRecorded, PromiseKept,
 * PromiseBroken, PromiseCancelled, PromiseReopened, ContactAttempted, ContactBlocked, CaseOnHold).
 *
 * The comparison rule (`COMPARISON_RULE`), for agency A and year Y:
 * - The agency's side: its own figures for Y, and the promises its agents took (on contacts made as
 *   `agency:A`) in Y, kept or broken.
 * - The bank's side, on comparable cases: every case that entered (opened at, escalated or
 *   de-escalated into) a stage at which A's placements of Y started, on a day of Y, and that no
 *   agency held on any day of its window. The window is the entry day and the placement term that
 *   follows (`termDays`, the rule's 90 days), cut at the year's end. A case counts once, at its
 *   first such entry in Y. Its balance is the overdue amount on entry (the base the agency's rate
 *   has: the overdue amount when placed). In the window: its payments (less the reversed ones), the
 *   promises taken on the bank's contacts (collectors and the bank's channel executors), kept or
 *   broken, the holds for a dispute or complaint (an agency's counterpart is the recall they
 *   cause), the bank's contacts and the contact rules' refusals among them.
 */
const COMPARISON_RULE = 'same-stage-unplaced/v1';

export interface CaseRecord {
  /** The stages the case entered, in order, with the overdue amount on entry. */
  readonly entries: readonly { readonly stage: string; readonly on: BusinessDate; readonly overdue: number }[];
  readonly payments: Readonly<Record<string, { readonly amount: number; readonly on: BusinessDate; readonly reversed: boolean }>>;
  readonly promises: Readonly<Record<string, { readonly attemptId: string; readonly promisedOn: BusinessDate; readonly status: string }>>;
  /** Contacts made or refused, by attempt: who (`COLLECTOR:<id>` or `EXECUTOR:<id>`), the debtor's local date, refused or not. */
  readonly contacts: Readonly<Record<string, { readonly by: string; readonly on: BusinessDate; readonly blocked: boolean }>>;
  readonly holds: readonly { readonly reason: string; readonly since: BusinessDate }[];
  /** The day the case closed (absent while it is open). */
  readonly closedOn?: BusinessDate;
}

export const emptyCaseRecord = (): CaseRecord => ({ entries: [], payments: {}, promises: {}, contacts: {}, holds: [] });

/** Folds one of Collection's published case events into the case's record (undefined: nothing for the evaluation). */
export function evolveCaseRecord(record: CaseRecord, event: { readonly type: string; readonly data: unknown }): CaseRecord | undefined {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- one of the case event types above, each read for the fields it has
  const d = event.data as Record<string, any>;
  switch (event.type) {
    case 'CaseOpened':
      return { ...record, entries: [...record.entries, { stage: d.stage, on: d.openedOn, overdue: d.overdueAmount }] };
    case 'CaseEscalated':
    case 'CaseDeescalated':
      return { ...record, entries: [...record.entries, { stage: d.to, on: d.asOf, overdue: d.overdueAmount }] };
    case 'PaymentRecorded':
      return { ...record, payments: { ...record.payments, [d.reference]: { amount: d.amount, on: d.businessDate, reversed: false } } };
    case 'CasePaymentReversed': {
      const payment = record.payments[d.reference];
      return payment && { ...record, payments: { ...record.payments, [d.reference]: { ...payment, reversed: true } } };
    }
    case 'PromiseToPayRecorded':
      return { ...record, promises: { ...record.promises, [d.promiseId]: { attemptId: d.attemptId, promisedOn: d.promisedOn, status: 'OPEN' } } };
    case 'PromiseKept':
    case 'PromiseBroken':
    case 'PromiseCancelled':
    case 'PromiseReopened': {
      const promise = record.promises[d.promiseId];
      const status = { PromiseKept: 'KEPT', PromiseBroken: 'BROKEN', PromiseCancelled: 'CANCELLED', PromiseReopened: 'OPEN' }[event.type];
      return promise && { ...record, promises: { ...record.promises, [d.promiseId]: { ...promise, status } } };
    }
    case 'ContactAttempted':
    case 'ContactBlocked':
      return record.contacts[d.attemptId]
        ? undefined
        : {
            ...record,
            contacts: { ...record.contacts, [d.attemptId]: { by: `${d.by.kind}:${d.by.id}`, on: d.localDate, blocked: event.type === 'ContactBlocked' } },
          };
    case 'CaseOnHold':
      return { ...record, holds: [...record.holds, { reason: d.reason, since: d.since }] };
    case 'CaseClosed':
      return { ...record, closedOn: d.closedOn };
    default:
      return undefined;
  }
}

/** A placement as the comparison needs it (a row of the placements read model). */
export interface PlacedSpan {
  readonly case_id: string;
  readonly agency_id: string;
  readonly stage: string;
  readonly starts_on: BusinessDate | null;
  readonly ends_on: BusinessDate | null;
  readonly ended_on: BusinessDate | null;
}

/** A share in basis points (null when there is nothing to share). */
export const bps = (part: number, whole: number): number | null => (whole ? Math.round((part * 10_000) / whole) : null);
/** A rate per thousand (null when there is nothing to count against). */
export const perThousand = (part: number, whole: number): number | null => (whole ? Math.round((part * 1000) / whole) : null);
const within = (on: BusinessDate, from: BusinessDate, to: BusinessDate): boolean => on >= from && on <= to;
const agencyExecutor = (agencyId: string) => `EXECUTOR:agency:${agencyId}`;
const byAnAgency = (by: string) => by.startsWith('EXECUTOR:agency:');

/** The agency's own promises of the year: taken on its contacts, kept or broken (open and cancelled ones are not judged). */
export function agencyPromises(agencyId: string, records: readonly CaseRecord[], year: number): { kept: number; broken: number; keptRateBps: number | null } {
  let kept = 0;
  let broken = 0;
  for (const record of records) {
    for (const p of Object.values(record.promises)) {
      if (!p.promisedOn.startsWith(`${year}-`) || record.contacts[p.attemptId]?.by !== agencyExecutor(agencyId)) continue;
      if (p.status === 'KEPT') kept++;
      if (p.status === 'BROKEN') broken++;
    }
  }
  return { kept, broken, keptRateBps: bps(kept, kept + broken) };
}

/** The bank's own figures on the cases comparable with agency A's placements of the year (the rule above). */
export function bankOnComparableCases(input: {
  readonly agencyId: string;
  readonly year: number;
  readonly termDays: number;
  readonly placements: readonly PlacedSpan[];
  readonly records: ReadonlyMap<string, CaseRecord>;
}) {
  const from = `${input.year}-01-01`;
  const to = `${input.year}-12-31`;
  const stages = [
    ...new Set(input.placements.filter((p) => p.agency_id === input.agencyId && p.starts_on && within(p.starts_on, from, to)).map((p) => p.stage)),
  ].sort();
  const spans = input.placements.filter((p) => p.starts_on);
  const cases: { caseId: string; on: BusinessDate; until: BusinessDate; overdue: number }[] = [];
  for (const [caseId, record] of [...input.records].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const entry = record.entries.find((e) => stages.includes(e.stage) && within(e.on, from, to));
    if (!entry) continue;
    const endOfTerm = addDays(entry.on, input.termDays - 1);
    const until = endOfTerm < to ? endOfTerm : to;
    const held = spans.some((p) => p.case_id === caseId && p.starts_on! <= until && (p.ended_on ?? p.ends_on ?? to) >= entry.on);
    if (!held) cases.push({ caseId, on: entry.on, until, overdue: entry.overdue });
  }
  let balance = 0;
  let recovered = 0;
  let kept = 0;
  let broken = 0;
  let complaintHolds = 0;
  let contacts = 0;
  let refusals = 0;
  for (const c of cases) {
    const record = input.records.get(c.caseId)!;
    balance += c.overdue;
    for (const p of Object.values(record.payments)) if (!p.reversed && within(p.on, c.on, c.until)) recovered += p.amount;
    for (const p of Object.values(record.promises)) {
      const by = record.contacts[p.attemptId]?.by;
      if (!by || byAnAgency(by) || !within(p.promisedOn, c.on, c.until)) continue;
      if (p.status === 'KEPT') kept++;
      if (p.status === 'BROKEN') broken++;
    }
    complaintHolds += record.holds.filter((h) => (h.reason === 'DISPUTE' || h.reason === 'COMPLAINT') && within(h.since, c.on, c.until)).length;
    for (const contact of Object.values(record.contacts)) {
      if (byAnAgency(contact.by) || !within(contact.on, c.on, c.until)) continue;
      contacts++;
      if (contact.blocked) refusals++;
    }
  }
  return {
    rule: COMPARISON_RULE,
    stages,
    termDays: input.termDays,
    cases: cases.length,
    caseIds: cases.map((c) => c.caseId),
    balance,
    recovered,
    recoveryRateBps: bps(recovered, balance),
    promisesKept: kept,
    promisesBroken: broken,
    promiseKeptRateBps: bps(kept, kept + broken),
    complaintHolds,
    contacts,
    ruleRefusals: refusals,
    ruleRefusalsPerThousandContacts: perThousand(refusals, contacts),
  };
}
