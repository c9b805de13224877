import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import { LoanQueries } from '#loans';
import { CaseService, CollectionClock, maxHorizonDays, minimumPromise, type CaseEvent, type OpenCase, type ClosedCase } from '#collection';
import { addDays } from '#kernel';
import { RestructuringService } from '#restructuring';
import { PG_POOL, ProblemException, problem } from '#platform';
import {
  channelName,
  nextSteps,
  overdueBreakdown,
  purposeName,
  type Bilingual,
  type Component,
  type NextSteps,
  type OverdueBreakdown,
} from '../domain/explain.js';
import { SelfServiceQueries, type CustomerCase } from '../read-model/queries.js';

const loanNotFound = (loanId: string) => new ProblemException(problem(404, 'LOAN_NOT_FOUND', 'Loan not found', `You have no loan ${loanId}.`));

export interface CustomerLoan {
  readonly loanId: string;
  readonly productCode: string;
  readonly status: string;
  readonly principal: number;
  readonly outstanding: number;
  readonly overdueAmount: number;
  readonly dpd: number;
  readonly stage: string;
  readonly nextDueDate: string | null;
  readonly inCollection: boolean;
}

export interface ContactRecord {
  readonly caseId: string;
  readonly loanId: string;
  readonly at: string;
  readonly localDate: string;
  readonly channel: string;
  readonly outcome: string;
  readonly purpose: string | null;
  readonly text: Bilingual;
}

export interface LoanExplanation {
  readonly loanId: string;
  readonly productCode: string;
  readonly status: string;
  /** The date the figures are valued on (the last completed end of day). */
  readonly asOf: string;
  readonly dpd: number;
  readonly stage: string;
  readonly nextDueDate: string | null;
  readonly outstanding: number;
  readonly overdue: OverdueBreakdown;
  readonly caseId: string | null;
  readonly onHold: boolean;
  readonly openPromise: { readonly promiseId: string; readonly amount: number; readonly dueOn: string } | null;
  readonly promiseRules: { readonly minimum: number | null; readonly latestDueOn: string | null } | null;
  readonly whatHappensNext: NextSteps;
}

/**
 * What a customer reads about themselves, always for the customer of the token: their loans from
 * Loans' read model, their cases from Collection's case streams (through Collection's published
 * CaseService), and their restructuring requests from Restructuring's read model. A loan or case
 * of another customer is not found.
 */
@Injectable()
export class SelfServiceReader {
  private readonly loans: LoanQueries;
  readonly queries: SelfServiceQueries;

  constructor(
    @Inject(PG_POOL) pool: pg.Pool,
    private readonly cases: CaseService,
    private readonly collectionClock: CollectionClock,
    private readonly restructuring: RestructuringService,
  ) {
    this.loans = new LoanQueries(pool);
    this.queries = new SelfServiceQueries(pool);
  }

  async myLoans(customerId: string): Promise<{ asOf: string | null; items: CustomerLoan[] }> {
    const page = await this.loans.list({ customerId, limit: 100 });
    const cases = await this.queries.customerCases(customerId);
    return {
      asOf: page.asOf,
      items: page.items
        .filter((l) => l.customerId === customerId)
        .map((l) => ({
          loanId: l.loanId,
          productCode: l.productCode,
          status: l.status,
          principal: l.principal,
          outstanding: l.outstanding,
          overdueAmount: l.overdueAmount,
          dpd: l.dpd,
          stage: l.stage,
          nextDueDate: l.nextDueDate,
          inCollection: cases.some((c) => c.loanId === l.loanId && c.open),
        })),
    };
  }

  /** The customer's loan, or 404 when it is not theirs. */
  async myLoan(customerId: string, loanId: string) {
    const loan = await this.loans.detail(loanId);
    if (!loan || loan.customerId !== customerId) throw loanNotFound(loanId);
    return loan;
  }

  /** The customer's open case on the loan (the one promises and complaints act on), or null. */
  async openCase(customerId: string, loanId: string): Promise<CustomerCase | null> {
    return (await this.queries.customerCases(customerId, loanId)).find((c) => c.open) ?? null;
  }

  async explain(customerId: string, loanId: string): Promise<LoanExplanation> {
    const loan = await this.myLoan(customerId, loanId);
    const kase = await this.openCase(customerId, loanId);
    const loaded = kase ? await this.cases.load(kase.caseId) : null;
    const state = loaded && loaded.state.status === 'open' ? (loaded.state as OpenCase) : null;
    const today = await this.collectionClock.todayOrThrow();
    const open = state ? (Object.values(state.promises).find((p) => p.status === 'OPEN') ?? null) : null;
    const holds = state ? Object.values(state.holds) : [];
    const terms = state?.plan.promiseTerms;
    return {
      loanId,
      productCode: loan.productCode,
      status: loan.status,
      asOf: loan.asOf,
      dpd: loan.position.dpd,
      stage: loan.position.stage,
      nextDueDate: loan.position.nextDueDate,
      outstanding: loan.position.outstandingAmount,
      overdue: overdueBreakdown(loan.schedule, loan.product.waterfall as { order: Component[]; sweep: 'installment' | 'component' }, loan.asOf),
      caseId: kase?.caseId ?? null,
      onHold: holds.length > 0,
      openPromise: open ? { promiseId: open.promiseId, amount: open.amount, dueOn: open.dueOn } : null,
      promiseRules: state && terms ? { minimum: minimumPromise(state.overdueAmount, terms), latestDueOn: addDays(today, maxHorizonDays(terms)) } : null,
      whatHappensNext: state
        ? nextSteps({ steps: state.plan.steps, dpd: loan.position.dpd, asOf: loan.asOf, nextDueDate: loan.position.nextDueDate, holds, openPromise: open })
        : {
            steps: [],
            paused: null,
            summary:
              loan.position.dpd > 0
                ? { zh: '您的贷款已逾期，请尽快还款。', en: 'Your loan is past due; please pay as soon as you can.' }
                : { zh: '您的贷款没有逾期。', en: 'Your loan is not past due.' },
          },
    };
  }

  /** Every contact made with the customer (debtor attempts that took place), newest first. */
  async contacts(customerId: string): Promise<ContactRecord[]> {
    const out: ContactRecord[] = [];
    for (const c of await this.queries.customerCases(customerId)) {
      const loaded = await this.cases.load(c.caseId);
      const s = loaded.state as OpenCase | ClosedCase;
      if (loaded.state.status === 'none' || s.customerId !== customerId) continue;
      const purposes = new Map<string, string>();
      for (const e of loaded.events) {
        const event = e as unknown as CaseEvent;
        if (event.type === 'ActionScheduled') purposes.set(event.data.actionId, event.data.purpose);
        if (event.type !== 'ContactAttempted' || event.data.party !== 'DEBTOR') continue;
        const d = event.data;
        const purpose = d.actionId ? (purposes.get(d.actionId) ?? null) : null;
        const channel = channelName(d.channel);
        const why = purpose ? purposeName(purpose) : { zh: '关于您的逾期款项', en: 'about your overdue payment' };
        out.push({
          caseId: c.caseId,
          loanId: c.loanId,
          at: d.at,
          localDate: d.localDate,
          channel: d.channel,
          outcome: d.outcome,
          purpose,
          text: {
            zh: `${d.localDate} ${d.localTime ?? ''} ${channel.zh}：${why.zh}`.replace(/\s+/g, ' ').trim(),
            en: `${d.localDate} ${d.localTime ?? ''} ${channel.en}: ${why.en}`.replace(/\s+/g, ' ').trim(),
          },
        });
      }
    }
    return out.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
  }

  /** The customer's restructuring requests, as the customer sees them (no staff ids). */
  async restructurings(customerId: string) {
    const page = await this.restructuring.queries.list({ customerId, scope: { id: customerId, role: 'customer' }, page: 1, pageSize: 100 });
    return { items: page.items.filter((r) => r.customerId === customerId).map(customerRequestView) };
  }

  async restructuringRequest(customerId: string, requestId: string) {
    const view = await this.restructuring.queries.request(requestId);
    if (!view || view.customerId !== customerId) {
      throw new ProblemException(
        problem(404, 'RESTRUCTURING_REQUEST_NOT_FOUND', 'Restructuring request not found', `You have no restructuring request ${requestId}.`),
      );
    }
    return customerRequestView(view);
  }
}

type RequestView = NonNullable<Awaited<ReturnType<RestructuringService['queries']['request']>>>;

const STATUS_TEXT: Record<string, Bilingual> = {
  Requested: { zh: '已提交，等待评估。', en: 'Submitted; waiting to be assessed.' },
  Assessed: { zh: '已评估，等待审批。', en: 'Assessed; waiting for approval.' },
  AssessmentFailed: { zh: '不符合条件。', en: 'Not eligible under the current policy.' },
  PartiallyApproved: { zh: '等待第二位审批人。', en: 'Waiting for a second approver.' },
  Approved: { zh: '已批准，即将向您发送方案。', en: 'Approved; the offer is on its way to you.' },
  Rejected: { zh: '未获批准。', en: 'Not approved.' },
  Offered: { zh: '方案已发送，请在有效期内确认。', en: 'Offered to you: accept it before it expires.' },
  Accepted: { zh: '您已接受，新还款计划即将生效。', en: 'You accepted; the new schedule takes effect shortly.' },
  OfferExpired: { zh: '方案已过期。', en: 'The offer expired.' },
  Active: { zh: '新还款计划执行中。', en: 'Your new schedule is running.' },
  ActivationFailed: { zh: '方案未能生效，请联系我们。', en: 'The plan could not take effect; please contact us.' },
  Completed: { zh: '还款计划已完成。', en: 'The plan is completed.' },
  Broken: { zh: '还款计划已中止。', en: 'The plan was broken.' },
};

function customerRequestView(r: RequestView) {
  const offer = r.offer as { offeredOn?: string; expiresOn?: string } | null;
  const rejection = r.rejection as { reasonCode?: string } | null;
  return {
    requestId: r.requestId,
    loanId: r.loanId,
    type: r.type,
    status: r.status,
    statusText: STATUS_TEXT[r.status] ?? { zh: r.status, en: r.status },
    terms: r.terms,
    requestedOn: r.requestedOn,
    schedule: r.schedulePreview,
    offer: offer ? { offeredOn: offer.offeredOn ?? null, expiresOn: offer.expiresOn ?? null } : null,
    rejectionReason: rejection?.reasonCode ?? null,
    activation: r.activation,
  };
}
