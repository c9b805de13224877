import type { RecordedEvent } from '#kernel';
import type { Projection, ProjectionContext } from '#projections';
import type { MonitoringDayClosed } from '../domain/review.js';
import type { LoanStage, Observation, StrategyArm } from '../domain/observations.js';
import { OBSERVED_EVENT_TYPES, observe } from '../application/sources/index.js';
import { RowCache } from './row-cache.js';
import {
  FACT_TABLES,
  type CaseRow,
  type ContactRow,
  type CustomerRow,
  type Dims,
  type DisputeRow,
  type GradeSpellRow,
  type InstallmentRow,
  type LoanRow,
  type OutreachRow,
  type PaymentPartRow,
  type PaymentRow,
  type PromiseRow,
  type RestatementRow,
  type RestructuringRow,
  type StageSpellRow,
  type WarningEpisodeRow,
} from './facts.tables.js';
import type { EarlyWarningEpisodeClosed, EarlyWarningRaised } from '../domain/customer-watch.js';

export const FACTS_PROJECTION = 'monitoring_kpi_facts';

/** What happens, inside the batch's transaction and after the facts before it are written, when a day closes. */
export type DayClosedHook = (ctx: ProjectionContext, day: MonitoringDayClosed['data'], event: RecordedEvent) => Promise<void>;

const NO_DIMS: Dims = { strategy_id: null, strategy_version: null, variant: null, grade: null, stage: null, collector_id: null };

/** A strategy arm's columns on a fact row. */
function armColumns(s: StrategyArm | null): Pick<Dims, 'strategy_id' | 'strategy_version' | 'variant'> {
  return { strategy_id: s?.strategyId ?? null, strategy_version: s?.strategyVersion ?? null, variant: s?.variant ?? null };
}

function dimsOf(c: CaseRow | undefined, overrides: Partial<Dims> = {}): Dims {
  if (!c) return { ...NO_DIMS, ...overrides };
  return {
    strategy_id: c.strategy_id,
    strategy_version: c.strategy_version,
    variant: c.variant,
    grade: c.grade,
    stage: c.stage,
    collector_id: c.collector_id,
    ...overrides,
  };
}

/** One batch's worth of fact rows, folded in memory and written with one upsert per table. */
class FactsBatch {
  readonly loans: RowCache<LoanRow>;
  readonly spells: RowCache<StageSpellRow>;
  readonly payments: RowCache<PaymentRow>;
  readonly cases: RowCache<CaseRow>;
  readonly contacts: RowCache<ContactRow>;
  readonly promises: RowCache<PromiseRow>;
  readonly restructurings: RowCache<RestructuringRow>;
  readonly disputes: RowCache<DisputeRow>;
  readonly customers: RowCache<CustomerRow>;
  readonly grades: RowCache<GradeSpellRow>;
  readonly restatements: RowCache<RestatementRow>;
  readonly installments: RowCache<InstallmentRow>;
  readonly parts: RowCache<PaymentPartRow>;
  readonly outreach: RowCache<OutreachRow>;
  readonly warnings: RowCache<WarningEpisodeRow>;

  constructor(private readonly ctx: ProjectionContext) {
    this.loans = new RowCache(ctx, 'mon_loans', 'loan_id');
    this.spells = new RowCache(ctx, 'mon_loan_stages', 'spell_id');
    this.payments = new RowCache(ctx, 'mon_payments', 'payment_id');
    this.cases = new RowCache(ctx, 'mon_cases', 'case_id');
    this.contacts = new RowCache(ctx, 'mon_contacts', 'contact_id');
    this.promises = new RowCache(ctx, 'mon_promises', 'promise_key');
    this.restructurings = new RowCache(ctx, 'mon_restructurings', 'restructuring_id');
    this.disputes = new RowCache(ctx, 'mon_disputes', 'dispute_key');
    this.customers = new RowCache(ctx, 'mon_customers', 'customer_id');
    this.grades = new RowCache(ctx, 'mon_grades', 'spell_id');
    this.restatements = new RowCache(ctx, 'mon_restatements', 'restatement_id');
    this.installments = new RowCache(ctx, 'mon_installments', 'installment_id');
    this.parts = new RowCache(ctx, 'mon_payment_parts', 'part_id');
    this.outreach = new RowCache(ctx, 'mon_outreach', 'track_id');
    this.warnings = new RowCache(ctx, 'mon_warnings', 'warning_id');
  }

  /** Reads, in one query per table, the rows the observations name directly. */
  async prefetch(observations: readonly Observation[]): Promise<void> {
    const loans = new Set<string>();
    const cases = new Set<string>();
    const customers = new Set<string>();
    const payments = new Set<string>();
    const promises = new Set<string>();
    const restructurings = new Set<string>();
    for (const o of observations) {
      if ('loanId' in o && o.loanId) loans.add(o.loanId);
      if ('caseId' in o && o.caseId) cases.add(o.caseId);
      if (o.kind === 'CustomerGraded' || o.kind === 'CaseOpened') customers.add(o.customerId);
      if (o.kind === 'PaymentMade' || o.kind === 'PaymentReversed') payments.add(`${o.loanId}#${o.reference}`);
      if (o.kind === 'PromiseMade' || o.kind === 'PromiseResolved') promises.add(`${o.caseId}#${o.promiseId}`);
      if (o.kind === 'RestructuringActivated' || o.kind === 'RestructuringEnded') restructurings.add(o.restructuringId);
    }
    await this.loans.prefetch(loans);
    await this.spells.prefetch(
      [...loans]
        .map((id) => this.loans.peek(id))
        .filter((l): l is LoanRow => !!l)
        .map((l) => `${l.loan_id}#${l.spell_no}`),
    );
    const openCases = [...loans].map((id) => this.loans.peek(id)?.open_case_id).filter((id): id is string => !!id);
    await this.cases.prefetch([...cases, ...openCases]);
    await this.payments.prefetch(payments);
    await this.promises.prefetch(promises);
    await this.restructurings.prefetch(restructurings);
    await this.customers.prefetch(customers);
    await this.grades.prefetch(
      [...customers]
        .map((id) => this.customers.peek(id))
        .filter((c): c is CustomerRow => !!c)
        .map((c) => `${c.customer_id}#${c.grade_spell_no}`),
    );
  }

  async flush(): Promise<void> {
    for (const cache of [
      this.loans,
      this.spells,
      this.payments,
      this.cases,
      this.contacts,
      this.promises,
      this.restructurings,
      this.disputes,
      this.customers,
      this.grades,
      this.restatements,
      this.installments,
      this.parts,
      this.outreach,
      this.warnings,
    ]) {
      await cache.flush();
    }
  }

  private async changeStage(loan: LoanRow, stage: LoanStage, on: string, dpd: number, overdue: number): Promise<void> {
    const spell = await this.spells.get(`${loan.loan_id}#${loan.spell_no}`);
    if (spell && spell.stage === stage) {
      this.spells.set({ ...spell, dpd, overdue_fen: overdue });
      return;
    }
    const from = spell && on < spell.from_date ? spell.from_date : on;
    if (spell && spell.from_date === from) {
      // A second change on the same business date: the day ends in the new stage.
      this.spells.set({ ...spell, stage, dpd, overdue_fen: overdue });
    } else {
      if (spell) this.spells.set({ ...spell, to_date: from });
      const spellNo = loan.spell_no + 1;
      this.spells.set({
        spell_id: `${loan.loan_id}#${spellNo}`,
        loan_id: loan.loan_id,
        customer_id: loan.customer_id,
        spell_no: spellNo,
        stage,
        from_date: from,
        to_date: null,
        dpd,
        overdue_fen: overdue,
      });
      loan = { ...loan, spell_no: spellNo };
    }
    this.loans.set({ ...loan, stage });
  }

  /**
   * Loans restated the loan's history: the stage spells become the corrected ones (a terminal
   * PAID_OFF or WRITTEN_OFF spell, which Loans' history does not know, is kept at its end), the
   * spells no longer true are emptied (from = to, so no date falls in them), each case's cure date
   * is judged again on the corrected spells, and every figure that changed keeps its first value
   * in mon_restatements beside the corrected one.
   */
  private async restateStages(o: Extract<Observation, { kind: 'LoanHistoryRestated' }>): Promise<void> {
    const loan = await this.loans.get(o.loanId);
    if (!loan) return;
    const ids = Array.from({ length: loan.spell_no }, (_, n) => `${loan.loan_id}#${n + 1}`);
    await this.spells.prefetch(ids);
    const old = (await Promise.all(ids.map((id) => this.spells.get(id)))).filter((s): s is StageSpellRow => !!s && s.from_date !== s.to_date);
    const terminal = old.at(-1) && (old.at(-1)!.stage === 'PAID_OFF' || old.at(-1)!.stage === 'WRITTEN_OFF') ? old.at(-1)! : null;
    const corrected: Array<{ stage: string; from: string; to: string | null }> = [];
    for (const s of o.stages) {
      if (terminal && s.from >= terminal.from_date) break;
      corrected.push({ stage: s.stage, from: s.from, to: terminal && (s.to === null || s.to > terminal.from_date) ? terminal.from_date : s.to });
    }
    if (terminal) corrected.push({ stage: terminal.stage, from: terminal.from_date, to: null });
    const view = (spells: readonly { stage: string; from: string; to: string | null }[]) => spells.map((s) => ({ stage: s.stage, from: s.from, to: s.to }));
    const before = view(old.map((s) => ({ stage: s.stage, from: s.from_date, to: s.to_date })));
    if (JSON.stringify(before) === JSON.stringify(corrected)) return;
    const base = { loan_id: loan.loan_id, cause_event_id: o.sourceEventId, correction: o.correction, restated_on: o.on };
    this.restatements.set({ restatement_id: `${o.sourceEventId}#stages`, kind: 'STAGES', case_id: null, before, after: corrected, ...base });
    corrected.forEach((s, n) => {
      const previous = this.spells.peek(`${loan.loan_id}#${n + 1}`);
      this.spells.set({
        spell_id: `${loan.loan_id}#${n + 1}`,
        loan_id: loan.loan_id,
        customer_id: loan.customer_id,
        spell_no: n + 1,
        stage: s.stage,
        from_date: s.from,
        to_date: s.to,
        dpd: previous?.stage === s.stage ? previous.dpd : 0,
        overdue_fen: previous?.stage === s.stage ? previous.overdue_fen : 0,
      });
    });
    for (let n = corrected.length; n < ids.length; n++) {
      const stale = this.spells.peek(ids[n]);
      if (stale) this.spells.set({ ...stale, to_date: stale.from_date });
    }
    const current = corrected.at(-1)!;
    this.loans.set({ ...loan, stage: current.stage, spell_no: corrected.length });

    // Cures judged again: the first day from the opening to the close on which the loan was current or paid off.
    await this.cases.flush();
    const { rows } = await this.ctx.query<{ case_id: string }>(`SELECT case_id FROM ${this.ctx.table('mon_cases')} WHERE loan_id = $1`, [loan.loan_id]);
    const caseIds = new Set([...rows.map((r) => r.case_id), ...(loan.open_case_id ? [loan.open_case_id] : [])]);
    for (const caseId of caseIds) {
      const c = await this.cases.get(caseId);
      if (!c) continue;
      const curedOn = cureOn(c, corrected);
      if (curedOn === c.cured_on) continue;
      this.restatements.set({
        restatement_id: `${o.sourceEventId}#${caseId}`,
        kind: 'CASE_CURE',
        case_id: caseId,
        before: { curedOn: c.cured_on },
        after: { curedOn },
        ...base,
      });
      this.cases.set({ ...c, cured_on: curedOn });
    }
  }

  /** Monitoring's own warnings: the episode open on a date tells which customers were warned (the outreach KPI's control group). */
  async applyWarning(event: RecordedEvent): Promise<void> {
    if (event.type === 'EarlyWarningRaised') {
      const d = event.data as EarlyWarningRaised['data'];
      const id = `${d.customerId}#${d.episode.number}`;
      const row = await this.warnings.get(id);
      this.warnings.set({
        warning_id: id,
        customer_id: d.customerId,
        severity: d.severity,
        started_on: d.episode.startedOn,
        closed_on: row?.closed_on ?? null,
      });
      return;
    }
    const d = event.data as EarlyWarningEpisodeClosed['data'];
    const row = await this.warnings.get(`${d.customerId}#${d.episode.number}`);
    if (row && !row.closed_on) this.warnings.set({ ...row, closed_on: d.closedOn });
  }

  private setInstallments(loan: Pick<LoanRow, 'loan_id' | 'customer_id'>, installments: readonly { seq: number; dueDate: string; owed: number }[]): void {
    for (const i of installments) {
      this.installments.set({
        installment_id: `${loan.loan_id}#${i.seq}`,
        loan_id: loan.loan_id,
        customer_id: loan.customer_id,
        seq: i.seq,
        due_date: i.dueDate,
        owed_fen: i.owed,
        replaced_on: null,
      });
    }
  }

  private async openCaseOf(loan: LoanRow | undefined): Promise<CaseRow | undefined> {
    return loan?.open_case_id ? this.cases.get(loan.open_case_id) : undefined;
  }

  private async markCured(loan: LoanRow, on: string): Promise<void> {
    const open = await this.openCaseOf(loan);
    if (open && !open.cured_on) this.cases.set({ ...open, cured_on: on });
  }

  async apply(o: Observation): Promise<void> {
    switch (o.kind) {
      case 'LoanOpened': {
        if (await this.loans.get(o.loanId)) return;
        this.loans.set({
          loan_id: o.loanId,
          customer_id: o.customerId,
          principal_fen: o.principal,
          registered_on: o.on,
          stage: 'M0',
          spell_no: 1,
          open_case_id: null,
        });
        this.spells.set({
          spell_id: `${o.loanId}#1`,
          loan_id: o.loanId,
          customer_id: o.customerId,
          spell_no: 1,
          stage: 'M0',
          from_date: o.on,
          to_date: null,
          dpd: 0,
          overdue_fen: 0,
        });
        this.setInstallments({ loan_id: o.loanId, customer_id: o.customerId }, o.installments);
        return;
      }
      case 'LoanStageChanged': {
        const loan = await this.loans.get(o.loanId);
        if (!loan) return;
        await this.changeStage(loan, o.to, o.on, o.dpd, o.overdue);
        if (o.to === 'M0') await this.markCured(loan, o.on);
        return;
      }
      case 'LoanPaidOff': {
        const loan = await this.loans.get(o.loanId);
        if (!loan) return;
        await this.changeStage(loan, 'PAID_OFF', o.on, 0, 0);
        await this.markCured(loan, o.on);
        return;
      }
      case 'LoanReopened': {
        const loan = await this.loans.get(o.loanId);
        if (loan) await this.changeStage(loan, 'M0', o.on, 0, 0);
        return;
      }
      case 'PaymentMade': {
        const loan = await this.loans.get(o.loanId);
        const key = `${o.loanId}#${o.reference}`;
        if (!loan || (await this.payments.get(key))) return;
        const open = await this.openCaseOf(loan);
        this.payments.set({
          payment_id: key,
          loan_id: o.loanId,
          customer_id: loan.customer_id,
          // A recovery belongs to no open case: the recovery KPI finds the case closed WRITTEN_OFF by its loan.
          case_id: open && !open.closed_on && !o.recovery ? open.case_id : null,
          reference: o.reference,
          amount_fen: o.amount,
          principal_fen: o.parts.reduce((s, p) => s + p.principal, 0),
          business_date: o.on,
          value_date: o.valueDate,
          reversed_on: null,
          recovery: o.recovery === true,
        });
        for (const part of o.parts) this.parts.set({ part_id: `${key}#${part.seq}`, payment_id: key, loan_id: o.loanId, seq: part.seq, paid_fen: part.paid });
        return;
      }
      case 'PaymentReversed': {
        const payment = await this.payments.get(`${o.loanId}#${o.reference}`);
        if (payment && !payment.reversed_on) this.payments.set({ ...payment, reversed_on: o.on });
        return;
      }
      case 'CaseOpened': {
        if (await this.cases.get(o.caseId)) return;
        const customer = await this.customers.get(o.customerId);
        this.cases.set({
          case_id: o.caseId,
          loan_id: o.loanId,
          customer_id: o.customerId,
          ...armColumns(o.strategy),
          grade: o.grade ?? customer?.grade ?? null,
          stage: o.stage,
          collector_id: o.collectorId,
          stage_at_entry: o.stage,
          opened_on: o.on,
          closed_on: null,
          close_reason: null,
          overdue_at_entry_fen: o.overdue,
          cured_on: null,
        });
        const loan = await this.loans.get(o.loanId);
        if (loan) this.loans.set({ ...loan, open_case_id: o.caseId });
        return;
      }
      case 'CaseAssigned': {
        const c = await this.cases.get(o.caseId);
        if (c) this.cases.set({ ...c, collector_id: o.collectorId });
        return;
      }
      case 'CaseStageChanged': {
        const c = await this.cases.get(o.caseId);
        if (c) this.cases.set({ ...c, stage: o.stage });
        return;
      }
      case 'ContactAttempted': {
        if (await this.contacts.get(o.sourceEventId)) return;
        const c = await this.cases.get(o.caseId);
        this.contacts.set({
          contact_id: o.sourceEventId,
          case_id: o.caseId,
          customer_id: o.customerId ?? c?.customer_id ?? null,
          channel: o.channel,
          outcome: o.outcome,
          party: o.party,
          attempted_on: o.on,
          ...dimsOf(c, { collector_id: o.collectorId ?? c?.collector_id ?? null }),
        });
        return;
      }
      case 'PromiseMade': {
        const key = `${o.caseId}#${o.promiseId}`;
        if (await this.promises.get(key)) return;
        const c = await this.cases.get(o.caseId);
        this.promises.set({
          promise_key: key,
          case_id: o.caseId,
          customer_id: c?.customer_id ?? null,
          amount_fen: o.amount,
          due_on: o.dueOn,
          recorded_on: o.on,
          status: 'OPEN',
          resolved_on: null,
          ...dimsOf(c),
        });
        return;
      }
      case 'PromiseResolved': {
        const p = await this.promises.get(`${o.caseId}#${o.promiseId}`);
        if (p && p.status === 'OPEN') this.promises.set({ ...p, status: o.kept ? 'KEPT' : 'BROKEN', resolved_on: o.on });
        return;
      }
      case 'CaseClosed': {
        const c = await this.cases.get(o.caseId);
        if (!c || c.closed_on) return;
        const cured = o.reason === 'CURED' || o.reason === 'PAID_OFF';
        this.cases.set({ ...c, closed_on: o.on, close_reason: o.reason, cured_on: c.cured_on ?? (cured ? o.on : null) });
        const loan = await this.loans.get(c.loan_id);
        if (loan) {
          const current = loan.open_case_id === c.case_id ? { ...loan, open_case_id: null } : loan;
          this.loans.set(current);
          if (o.reason === 'WRITTEN_OFF') await this.changeStage(current, 'WRITTEN_OFF', o.on, 0, 0);
        }
        return;
      }
      case 'DisputeRaised': {
        if (await this.disputes.get(o.disputeKey)) return;
        const c = o.caseId ? await this.cases.get(o.caseId) : undefined;
        this.disputes.set({
          dispute_key: o.disputeKey,
          case_id: o.caseId,
          customer_id: o.customerId ?? c?.customer_id ?? null,
          type: o.type,
          raised_on: o.on,
          outcome: null,
          ...dimsOf(c),
        });
        return;
      }
      case 'ComplaintResolved': {
        // The complaint's hold on each case it concerned is its dispute row there (key `<caseId>#complaint-<id>`).
        for (const caseId of o.caseIds) {
          const row = await this.disputes.get(`${caseId}#complaint-${o.complaintId}`);
          if (row && !row.outcome) this.disputes.set({ ...row, outcome: o.outcome });
        }
        return;
      }
      case 'CustomerGraded': {
        const customer = (await this.customers.get(o.customerId)) ?? { customer_id: o.customerId, grade: null, grade_spell_no: 0 };
        if (customer.grade === o.grade) return;
        const spell = customer.grade_spell_no > 0 ? await this.grades.get(`${o.customerId}#${customer.grade_spell_no}`) : undefined;
        const from = spell ? (o.on < spell.from_date ? spell.from_date : o.on) : o.on;
        if (spell && spell.from_date === from) {
          this.grades.set({ ...spell, grade: o.grade });
          this.customers.set({ ...customer, grade: o.grade });
          return;
        }
        if (spell) this.grades.set({ ...spell, to_date: from });
        const no = customer.grade_spell_no + 1;
        this.grades.set({ spell_id: `${o.customerId}#${no}`, customer_id: o.customerId, spell_no: no, grade: o.grade, from_date: from, to_date: null });
        this.customers.set({ ...customer, grade: o.grade, grade_spell_no: no });
        return;
      }
      case 'RestructuringActivated': {
        if (await this.restructurings.get(o.restructuringId)) return;
        const loan = o.loanId ? await this.loans.get(o.loanId) : undefined;
        const c = o.caseId ? await this.cases.get(o.caseId) : await this.openCaseOf(loan);
        this.restructurings.set({
          restructuring_id: o.restructuringId,
          loan_id: o.loanId,
          customer_id: o.customerId ?? loan?.customer_id ?? null,
          case_id: c?.case_id ?? null,
          type: o.type,
          activated_on: o.on,
          outcome: null,
          ended_on: null,
          ...dimsOf(c),
        });
        return;
      }
      case 'RestructuringEnded': {
        const r = await this.restructurings.get(o.restructuringId);
        if (r && !r.outcome) this.restructurings.set({ ...r, outcome: o.outcome, ended_on: o.on });
        return;
      }
      case 'LoanHistoryRestated':
        await this.restateStages(o);
        return;
      case 'PromiseReopened': {
        const key = `${o.caseId}#${o.promiseId}`;
        const p = await this.promises.get(key);
        if (!p || p.status !== 'KEPT') return;
        this.restatements.set({
          restatement_id: `${o.sourceEventId}#${key}`,
          kind: 'PROMISE',
          loan_id: null,
          case_id: o.caseId,
          cause_event_id: o.sourceEventId,
          correction: { causeEventId: o.causeEventId },
          restated_on: o.on,
          before: { status: p.status, resolvedOn: p.resolved_on },
          after: { status: 'OPEN', resolvedOn: null },
        });
        this.promises.set({ ...p, status: 'OPEN', resolved_on: null });
        return;
      }
      case 'ScheduleReplaced': {
        const loan = await this.loans.get(o.loanId);
        if (!loan) return;
        for (const seq of o.replacedSeqs) {
          const row = await this.installments.get(`${o.loanId}#${seq}`);
          if (row && !row.replaced_on) this.installments.set({ ...row, replaced_on: o.on });
        }
        this.setInstallments(loan, o.installments);
        return;
      }
      case 'OutreachStarted': {
        if (await this.outreach.get(o.trackId)) return;
        this.outreach.set({
          track_id: o.trackId,
          loan_id: o.loanId,
          customer_id: o.customerId,
          due_date: o.dueDate,
          started_on: o.on,
          ...armColumns(o.strategy),
        });
        return;
      }
      case 'ProfileUpdated':
      case 'BusinessDayClosed':
        return;
      default: {
        const _never: never = o;
        return;
      }
    }
  }
}

/**
 * A case's cure date on corrected stage spells: the first day from its opening through its close
 * (or on, while open) that ends with the loan current or paid off; a case closed PAID_OFF is cured
 * on its close at the latest. Null: not cured.
 */
export function cureOn(
  c: Pick<CaseRow, 'opened_on' | 'closed_on' | 'close_reason'>,
  spells: readonly { stage: string; from: string; to: string | null }[],
): string | null {
  let first: string | null = c.close_reason === 'PAID_OFF' ? c.closed_on : null;
  for (const s of spells) {
    if (s.stage !== 'M0' && s.stage !== 'PAID_OFF') continue;
    const day = s.from > c.opened_on ? s.from : c.opened_on;
    if (s.to !== null && day >= s.to) continue;
    if (c.closed_on !== null && day > c.closed_on) continue;
    if (first === null || day < first) first = day;
  }
  return first;
}

const WARNING_EVENT_TYPES: readonly string[] = ['EarlyWarningRaised', 'EarlyWarningEpisodeClosed'];

export function factsProjection(onDayClosed?: DayClosedHook): Projection {
  return {
    name: FACTS_PROJECTION,
    // 2: mon_restatements; stage spells, cures and promises restated by corrections
    // 3: mon_contacts.party (right-party contact counts the debtor's outcomes only)
    // 4: mon_payments.recovery (recoveries after a write-off count in the recovery rate)
    // 5: mon_disputes.outcome (a resolved complaint's outcome, for upheld complaints per 1,000 contacts)
    // 6: mon_installments, mon_payment_parts, mon_outreach, mon_warnings (on-time payment with and without pre-due outreach)
    version: 6,
    // With a hook, a closed day may run the scheduled reviews: those are reactions.
    ...(onDayClosed ? { reacts: true, triggers: ['MonitoringDayClosed'] } : {}),
    filter: { eventTypes: [...OBSERVED_EVENT_TYPES, 'MonitoringDayClosed', ...WARNING_EVENT_TYPES] },
    tables: FACT_TABLES,
    async apply(ctx, events) {
      const batch = new FactsBatch(ctx);
      const own = (e: RecordedEvent) => e.type === 'MonitoringDayClosed' || WARNING_EVENT_TYPES.includes(e.type);
      const observed = events.map((e) => ({ event: e, observations: own(e) ? [] : observe(e) }));
      await batch.prefetch(observed.flatMap((o) => o.observations));
      for (const { event, observations } of observed) {
        if (event.type === 'MonitoringDayClosed') {
          if (!event.streamId.startsWith('monitoring.')) continue;
          await batch.flush();
          if (onDayClosed) await onDayClosed(ctx, event.data as MonitoringDayClosed['data'], event);
          continue;
        }
        if (WARNING_EVENT_TYPES.includes(event.type)) {
          if (event.streamId.startsWith('monitoring.customer-')) await batch.applyWarning(event);
          continue;
        }
        for (const o of observations) await batch.apply(o);
      }
      await batch.flush();
    },
  };
}
