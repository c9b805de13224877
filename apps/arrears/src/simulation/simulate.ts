import { addDays, compareDates, type BusinessDate } from '#kernel';
import { PROMISES, PROMISE_KEPT, RESTRUCTURING, RIGHT_PARTY, Random, portfolio, type SimLoan } from './portfolio.js';

/**
 * Drives a synthetic portfolio through Arrears' HTTP API, the same command path staff, core
 * banking and channel executors use: a strategy with a challenger is proposed, approved and
 * activated; collectors are trained, certified and take their cases; loans are registered;
 * customers pay (or not) as their behaviour says; collectors work their queues each morning and
 * take promises; customers in hardship get installment plans through four-eyes approval; business
 * days close; a champion/challenger review runs at the end. Outcomes are drawn from a generator
 * seeded per decision, so a seed gives the same history whatever the timing.
 */

export interface SimPrincipal {
  readonly role: 'service' | 'risk_manager' | 'supervisor' | 'collector' | 'admin' | 'auditor';
  readonly user: string;
  readonly team?: string;
}

export interface SimResponse {
  readonly status: number;
  readonly body: any;
}

export type SimApi = (as: SimPrincipal, method: string, path: string, body?: unknown) => Promise<SimResponse>;

export interface SimulationOptions {
  readonly customers: number;
  readonly days: number;
  readonly seed: number;
  readonly start: BusinessDate;
  readonly collectors?: number;
  readonly onProgress?: (progress: SimProgress) => void;
}

export interface SimProgress {
  readonly day: number;
  readonly days: number;
  readonly businessDate: BusinessDate;
  readonly payments: number;
  readonly contacts: number;
  readonly promises: number;
  readonly restructurings: number;
}

export interface SimulationResult {
  readonly options: Omit<SimulationOptions, 'onProgress'>;
  readonly end: BusinessDate;
  readonly counts: {
    readonly loans: number;
    readonly payments: number;
    readonly contacts: number;
    readonly promises: number;
    readonly restructuringsRequested: number;
    readonly restructuringsActivated: number;
  };
  readonly behaviours: Readonly<Record<string, number>>;
  readonly reviewId: string | null;
}

export const STRATEGY_ID = 'sim-standard';
export const SCORECARD_ID = 'sim-scorecard';
const SERVICE: SimPrincipal = { role: 'service', user: 'core-banking' };
const CUSTOMER_APP: SimPrincipal = { role: 'service', user: 'customer-app' };
const RM1: SimPrincipal = { role: 'risk_manager', user: 'rm-1' };
const RM2: SimPrincipal = { role: 'risk_manager', user: 'rm-2' };
const SUPERVISOR: SimPrincipal = { role: 'supervisor', user: 'sup-1', team: 'T1' };
const TEAM = 'T1';

const step = (stepId: string, dpdDay: number, channel: string, purpose: string, priority = 5) => ({
  stepId,
  when: { dpdDay },
  channel,
  purpose,
  templateId: `tpl-${stepId}`,
  priority,
});
/** Champion: a reminder first, calls from day 5. Challenger (half the cases): a call on day 1. */
const CHAMPION = [
  step('sms-1', 1, 'SMS', 'REMINDER', 3),
  step('call-5', 5, 'CALL', 'NEGOTIATION', 1),
  step('call-15', 15, 'CALL', 'NEGOTIATION', 1),
  step('letter-30', 30, 'LETTER', 'DEMAND', 2),
  step('call-45', 45, 'CALL', 'DEMAND', 1),
];
const CHALLENGER = [
  step('call-1', 1, 'CALL', 'NEGOTIATION', 1),
  step('sms-3', 3, 'SMS', 'REMINDER', 3),
  step('call-10', 10, 'CALL', 'NEGOTIATION', 1),
  step('letter-30', 30, 'LETTER', 'DEMAND', 2),
  step('call-45', 45, 'CALL', 'DEMAND', 1),
];
const GRADES = ['A', 'B', 'C', 'D', 'E'];
const STAGES = ['M1', 'M2', 'M3', 'M4', 'M5', 'M6+'];

class SimulationError extends Error {}

function expectOk(what: string, res: SimResponse): any {
  if (res.status >= 300) throw new SimulationError(`${what}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Stable per-decision randomness: the same (seed, subject, purpose) always draws the same number. */
function draw(seed: number, subject: string, purpose: string): Random {
  let h = seed >>> 0;
  for (const ch of `${subject}|${purpose}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return new Random(h);
}

async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new SimulationError(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function inBatches<T>(items: readonly T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(work));
}

export async function simulate(api: SimApi, options: SimulationOptions): Promise<SimulationResult> {
  const { seed, start, days } = options;
  const collectors = Array.from({ length: options.collectors ?? Math.max(2, Math.ceil(options.customers / 60)) }, (_, i) => `col-${i + 1}`);
  const loans = portfolio(seed, options.customers, start);
  const byLoan = new Map(loans.map((l) => [l.loanId, l]));
  const payments = new Map<BusinessDate, { loanId: string; reference: string; amount: number }[]>();
  const pay = (date: BusinessDate, loanId: string, reference: string, amount: number) => {
    const safe = reference.replace(/[^A-Za-z0-9._:-]/g, '_').slice(0, 120);
    if (amount > 0) payments.set(date, [...(payments.get(date) ?? []), { loanId, reference: safe, amount }]);
  };
  const promised = new Set<string>();
  const restructured = new Set<string>();
  const counts = { loans: loans.length, payments: 0, contacts: 0, promises: 0, restructuringsRequested: 0, restructuringsActivated: 0 };

  /** Every projection has caught up with the store (twice in a row: reactions append as they go). */
  const settled = async () => {
    let quiet = 0;
    await eventually('the read models', async () => {
      const res = await api({ role: 'admin', user: 'sim-admin' }, 'GET', '/admin/projections');
      const items = (res.body?.items ?? []) as { caughtUp: boolean; status?: string }[];
      quiet = items.length > 0 && items.every((p) => p.caughtUp) ? quiet + 1 : 0;
      return quiet >= 2 ? true : undefined;
    });
  };

  // ---- set-up: calendar, scorecard and strategy under maker-checker, collectors, loans, profiles ----
  // The calendar first: it is every context's business date, and policies take effect from it.
  expectOk('open the business calendar', await api(SERVICE, 'POST', '/loans/calendar', { openBusinessDate: start }));
  await settled();
  const template = expectOk('read the scorecard template', await api(RM1, 'GET', '/grading/policies/template'));
  expectOk(
    'propose the scorecard',
    await api(RM1, 'POST', '/grading/policies', {
      policyId: SCORECARD_ID,
      document: template.document,
      reason: 'simulation: the template scorecard',
      on: start,
    }),
  );
  expectOk('approve the scorecard', await api(RM2, 'POST', `/grading/policies/${SCORECARD_ID}/approve`, { version: 1 }));
  expectOk('activate the scorecard', await api(RM2, 'POST', `/grading/policies/${SCORECARD_ID}/activate`, { effectiveFrom: start, businessDate: start }));
  const keys = GRADES.flatMap((grade) => STAGES.map((stage) => ({ grade, stage })));
  expectOk(
    'propose the strategy',
    await api(RM1, 'POST', '/collection/strategies', {
      strategyId: STRATEGY_ID,
      keys,
      champion: CHAMPION,
      challenger: { ladder: CHALLENGER, trafficSharePct: 50 },
      reason: 'simulation: reminder first vs call first',
    }),
  );
  expectOk('approve the strategy', await api(RM2, 'POST', `/collection/strategies/${STRATEGY_ID}/versions/1/approve`, {}));
  expectOk(
    'activate the strategy',
    await api(RM2, 'POST', `/collection/strategies/${STRATEGY_ID}/versions/1/activate`, { effectiveFrom: start, businessDate: start }),
  );
  for (const collectorId of collectors) {
    expectOk('create a collector', await api(SUPERVISOR, 'POST', '/collection/collectors', { collectorId, team: TEAM, capacity: 500, skills: ['*'] }));
    expectOk(
      'train a collector',
      await api(SUPERVISOR, 'POST', `/collection/collectors/${collectorId}/trainings`, { courseId: 'basic-101', score: 90, completedOn: addDays(start, -60) }),
    );
    expectOk(
      'certify a collector',
      await api(SUPERVISOR, 'POST', `/collection/collectors/${collectorId}/certifications`, {
        certification: 'COLLECTION_BASIC',
        courseId: 'basic-101',
        grantedOn: addDays(start, -59),
        expiresOn: addDays(start, 300),
      }),
    );
  }
  await inBatches(loans, 8, async (l) => {
    expectOk(
      `register ${l.loanId}`,
      await api(SERVICE, 'POST', '/loans/accounts', {
        loanId: l.loanId,
        customerId: l.customerId,
        productCode: 'CASH',
        principal: l.principal,
        annualRateBps: l.annualRateBps,
        termMonths: l.termMonths,
        disbursementDate: l.disbursementDate,
        timeZone: 'Asia/Shanghai',
        schedule: l.schedule,
      }),
    );
  });
  // What core banking and the bureau know of each customer: Grading grades them from it.
  await inBatches(loans, 8, async (l) => {
    expectOk(
      `report ${l.customerId}'s profile`,
      await api(SERVICE, 'POST', `/grading/customers/${l.customerId}/profile`, {
        bureauScore: l.bureauScore,
        monthlyIncome: l.monthlyIncome,
        monthlyObligations: l.monthlyObligations,
        source: 'credit-bureau',
        asOf: start,
      }),
    );
  });
  // Repayment as each customer's behaviour has it; promises and plans add payments as they come.
  for (const l of loans) {
    for (const i of l.schedule) {
      const due = i.principal + i.interest;
      if (l.behaviour === 'ON_TIME') pay(i.dueDate, l.loanId, `${l.loanId}-${i.seq}`, due);
      else if (l.behaviour === 'LATE') pay(addDays(i.dueDate, l.lateDays), l.loanId, `${l.loanId}-${i.seq}`, due);
      else if (l.behaviour === 'PARTIAL') pay(i.dueDate, l.loanId, `${l.loanId}-${i.seq}-part`, Math.floor(due / 2));
    }
  }
  await settled();

  // ---- the days ----------------------------------------------------------------------------------
  const end = addDays(start, days - 1);
  for (let n = 0; n < days; n++) {
    const today = addDays(start, n);
    // Mornings: each collector works the queue (calls; SMS and letters go out through executors).
    for (const collectorId of collectors) {
      const me: SimPrincipal = { role: 'collector', user: collectorId, team: TEAM };
      const queue = expectOk('read the work queue', await api(me, 'GET', `/collection/work-queue?date=${today}`));
      let minute = 0;
      for (const item of queue.items as { kind: string; caseId: string; loanId: string; actionId: string; channel: string; overdueAmount: number }[]) {
        if (item.kind !== 'ACTION' || item.channel !== 'CALL') continue;
        const loan = byLoan.get(item.loanId);
        if (!loan) continue;
        const rng = draw(seed, item.actionId, 'call');
        const reached = rng.chance(RIGHT_PARTY);
        const promises = reached && item.overdueAmount > 0 && !promised.has(`${item.caseId}@${today}`) && rng.chance(PROMISES[loan.behaviour]);
        const dueOn = addDays(today, 3);
        const at = new Date(Date.parse(`${today}T02:00:00Z`) + minute++ * 60_000).toISOString();
        const res = await api(me, 'POST', `/collection/cases/${item.caseId}/contacts`, {
          attemptId: `sim-${item.actionId}`.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 120),
          actionId: item.actionId,
          channel: 'CALL',
          outcome: promises ? 'PROMISE_TO_PAY' : reached ? 'RIGHT_PARTY_CONTACT' : 'NO_ANSWER',
          at,
          // The 2026 guideline: every call carries its recording and opens by naming the bank.
          recordingRef: `rec-${item.actionId}`.replace(/[^A-Za-z0-9._-]/g, '_').slice(-64),
          identified: true,
          ...(promises ? { promise: { amount: item.overdueAmount, dueOn } } : {}),
        });
        if (res.status >= 300 && res.status !== 422) expectOk('record a contact', res);
        if (res.status >= 300) continue;
        counts.contacts++;
        if (promises) {
          counts.promises++;
          promised.add(`${item.caseId}@${today}`);
          if (rng.chance(PROMISE_KEPT[loan.behaviour])) pay(addDays(today, rng.int(0, 3)), loan.loanId, `${item.actionId}-promise`, item.overdueAmount);
        }
      }
    }

    // Customers in hardship: an installment plan once their loan reaches M2.
    const hardship = loans.filter(
      (l) => l.behaviour === 'NEVER' && !restructured.has(l.loanId) && compareDates(addDays(l.schedule[0].dueDate, 31), today) === 0,
    );
    for (const loan of hardship) {
      restructured.add(loan.loanId);
      if (!draw(seed, loan.loanId, 'restructure').chance(RESTRUCTURING.request)) continue;
      await restructure(api, seed, loan, today, pay, counts);
    }

    // Payments valued today, then the day closes.
    const due = payments.get(today) ?? [];
    await inBatches(due, 8, async (p) => {
      const res = await api(SERVICE, 'POST', `/loans/accounts/${p.loanId}/payments`, { reference: p.reference, amount: p.amount, valueDate: today });
      if (res.status < 300) counts.payments++;
      else if (res.status !== 422 && res.status !== 409) expectOk('post a payment', res);
    });
    expectOk('close the day', await api(SERVICE, 'POST', '/loans/calendar/close', { businessDate: today }));
    await eventually(`end of day ${today}`, async () => {
      const run = await api(SERVICE, 'GET', `/loans/calendar/days/${today}`);
      return run.status === 200 && run.body.status === 'completed' ? true : undefined;
    });
    await settled();
    options.onProgress?.({
      day: n + 1,
      days,
      businessDate: today,
      payments: counts.payments,
      contacts: counts.contacts,
      promises: counts.promises,
      restructurings: counts.restructuringsActivated,
    });
  }

  const review = await api(RM1, 'POST', '/monitoring/reviews', { strategyId: STRATEGY_ID, strategyVersion: 1, from: start, to: end });
  // The review and the last day's facts reach the read models the report reads.
  await settled();
  if (review.status === 201) {
    await eventually('the review in the read model', async () =>
      (await api(RM1, 'GET', `/monitoring/reviews/${review.body.reviewId}`)).status === 200 ? true : undefined,
    );
  }
  const behaviours: Record<string, number> = {};
  for (const l of loans) behaviours[l.behaviour] = (behaviours[l.behaviour] ?? 0) + 1;
  const { onProgress: _omit, ...rest } = options;
  return { options: rest, end, counts, behaviours, reviewId: review.status === 201 ? review.body.reviewId : null };
}

/** Request → assess → approve (another person) → offer → the customer's acceptance; then pay the plan or break it. */
async function restructure(
  api: SimApi,
  seed: number,
  loan: SimLoan,
  today: BusinessDate,
  pay: (date: BusinessDate, loanId: string, reference: string, amount: number) => void,
  counts: { restructuringsRequested: number; restructuringsActivated: number },
): Promise<void> {
  // The collector of the loan's case files and works the request: restructuring checks the same
  // case scope as Collection (a never-paying loan is in its first delinquency episode, E1).
  const held = await api(SUPERVISOR, 'GET', `/collection/cases/${loan.loanId}-E1`);
  const collector: SimPrincipal = { role: 'collector', user: (held.status === 200 && held.body.collectorId) || 'col-1', team: TEAM };
  const status = (requestId: string, wanted: readonly string[]) =>
    eventually(`restructuring ${requestId} ${wanted.join('|')}`, async () => {
      const res = await api(SUPERVISOR, 'GET', `/restructuring/requests/${requestId}`);
      return res.status === 200 && wanted.includes(res.body.status) ? res.body : undefined;
    });
  const filed = await api(collector, 'POST', '/restructuring/requests', {
    loanId: loan.loanId,
    terms: { type: 'INSTALLMENT_PLAN', method: 'EQUAL_INSTALLMENT', tenorMonths: 12, annualRateBps: 1_200 },
    hardship: { reasonCode: 'INCOME_REDUCTION', evidenceRefs: [`doc:${loan.customerId}-statement`] },
    monthlyIncome: loan.monthlyIncome,
    grade: 'C',
  });
  if (filed.status !== 201) return;
  counts.restructuringsRequested++;
  const requestId: string = filed.body.requestId;
  await status(requestId, ['Requested']);
  if ((await api(collector, 'POST', `/restructuring/requests/${requestId}/assessment`, {})).status !== 202) return;
  const assessed = await status(requestId, ['Assessed', 'AssessmentFailed']);
  if (assessed.status !== 'Assessed') return;
  if ((await api(SUPERVISOR, 'POST', `/restructuring/requests/${requestId}/approvals`, {})).status !== 202) return;
  const approved = await status(requestId, ['Approved', 'PartiallyApproved']);
  if (approved.status === 'PartiallyApproved') {
    if ((await api({ role: 'supervisor', user: 'sup-2', team: TEAM }, 'POST', `/restructuring/requests/${requestId}/approvals`, {})).status !== 202) return;
    await status(requestId, ['Approved']);
  }
  if ((await api(collector, 'POST', `/restructuring/requests/${requestId}/offer`, { channel: 'SMS' })).status !== 202) return;
  await status(requestId, ['Offered']);
  const rng = draw(seed, loan.loanId, 'plan');
  if (!rng.chance(RESTRUCTURING.accept)) return;
  if ((await api(CUSTOMER_APP, 'POST', `/restructuring/requests/${requestId}/acceptance`, { channel: 'APP' })).status !== 202) return;
  const active = await status(requestId, ['Active', 'ActivationFailed']);
  if (active.status !== 'Active') return;
  counts.restructuringsActivated++;
  const keeps = rng.chance(RESTRUCTURING.keep);
  for (const [k, i] of (active.activation.installments as { dueDate: BusinessDate; principal: number; interest: number; carried: number }[]).entries()) {
    if (!keeps && k > 0) break;
    pay(i.dueDate, loan.loanId, `${requestId}-plan-${k + 1}`, i.principal + i.interest + i.carried);
  }
}
