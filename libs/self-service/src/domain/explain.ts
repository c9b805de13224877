import { addDays, compareDates, daysBetween, type BusinessDate, type Fen } from '#kernel';

/**
 * What a customer is told about their loan, in plain words (Chinese and English): what is overdue,
 * component by component in the order a payment pays it (the product's waterfall), and what the
 * collection case will do next. Pure: the figures come from Loans' read model and the case's plan.
 */

export interface Bilingual {
  readonly zh: string;
  readonly en: string;
}

export type Component = 'penalty' | 'interest' | 'principal';

const COMPONENT_NAMES: Record<Component, Bilingual> = {
  penalty: { zh: '罚息', en: 'penalty interest' },
  interest: { zh: '利息', en: 'interest' },
  principal: { zh: '本金', en: 'principal' },
};

/** An installment as Loans' loan detail shows it (remaining amounts are derived from what was paid). */
export interface ScheduleRow {
  readonly seq: number;
  readonly dueDate: BusinessDate;
  readonly principal: Fen;
  readonly interest: Fen;
  readonly paidPrincipal: Fen;
  readonly paidInterest: Fen;
  readonly penaltyAccrued: Fen;
  readonly paidPenalty: Fen;
  /** Penalty waived (a fee waiver): no longer owed. */
  readonly waivedPenalty?: Fen;
  readonly status: string;
}

export interface OverdueBreakdown {
  readonly total: Fen;
  /** In the order a payment is applied to them (the product's waterfall). */
  readonly components: ReadonlyArray<{ readonly component: Component; readonly amount: Fen; readonly name: Bilingual }>;
  readonly installments: ReadonlyArray<{
    readonly seq: number;
    readonly dueDate: BusinessDate;
    readonly daysOverdue: number;
    readonly penalty: Fen;
    readonly interest: Fen;
    readonly principal: Fen;
    readonly total: Fen;
  }>;
  /** How a payment is applied, in words. */
  readonly paymentOrder: Bilingual;
}

/**
 * The overdue amount of the installments past due on `asOf`, split by component. The waterfall's
 * `order` ranks the components a payment pays first; `sweep: installment` pays the oldest
 * installment's components before the next installment, `component` pays one component across
 * all overdue installments before the next component.
 */
export function overdueBreakdown(
  schedule: readonly ScheduleRow[],
  waterfall: { readonly order: readonly Component[]; readonly sweep: 'installment' | 'component' },
  asOf: BusinessDate,
): OverdueBreakdown {
  const overdue = schedule
    .filter((i) => i.status === 'overdue')
    .map((i) => {
      const penalty = Math.max(0, i.penaltyAccrued - i.paidPenalty - (i.waivedPenalty ?? 0));
      const interest = Math.max(0, i.interest - i.paidInterest);
      const principal = Math.max(0, i.principal - i.paidPrincipal);
      return {
        seq: i.seq,
        dueDate: i.dueDate,
        daysOverdue: Math.max(0, daysBetween(i.dueDate, asOf)),
        penalty,
        interest,
        principal,
        total: penalty + interest + principal,
      };
    })
    .sort((a, b) => compareDates(a.dueDate, b.dueDate) || a.seq - b.seq);
  const components = waterfall.order.map((component) => ({
    component,
    amount: overdue.reduce((s, i) => s + i[component], 0),
    name: COMPONENT_NAMES[component],
  }));
  const zhOrder = waterfall.order.map((c) => COMPONENT_NAMES[c].zh).join('、');
  const enOrder = waterfall.order.map((c) => COMPONENT_NAMES[c].en).join(', then ');
  const paymentOrder: Bilingual =
    waterfall.sweep === 'installment'
      ? {
          zh: `您的还款先还最早逾期的一期，每期按${zhOrder}的顺序抵扣。`,
          en: `A payment goes to the oldest overdue installment first, and within it to ${enOrder}.`,
        }
      : {
          zh: `您的还款按${zhOrder}的顺序抵扣，每一项先还最早逾期的一期。`,
          en: `A payment goes to ${enOrder}, each across the overdue installments oldest first.`,
        };
  return { total: overdue.reduce((s, i) => s + i.total, 0), components, installments: overdue, paymentOrder };
}

const CHANNEL_NAMES: Record<string, Bilingual> = {
  SMS: { zh: '短信', en: 'a text message (SMS)' },
  CALL: { zh: '电话', en: 'a phone call' },
  EMAIL: { zh: '电子邮件', en: 'an email' },
  FIELD_VISIT: { zh: '上门拜访（至少两名工作人员）', en: 'a home visit (by at least two staff)' },
  LETTER: { zh: '信函', en: 'a letter' },
  APP_PUSH: { zh: '手机银行消息', en: 'a message in the bank’s app' },
};

const PURPOSE_NAMES: Record<string, Bilingual> = {
  REMINDER: { zh: '还款提醒', en: 'a payment reminder' },
  EDUCATION: { zh: '信用知识说明', en: 'information about credit and your options' },
  NEGOTIATION: { zh: '沟通还款安排', en: 'to agree a way to repay' },
  DEMAND: { zh: '正式还款通知', en: 'a formal demand for payment' },
};

export const channelName = (channel: string): Bilingual => CHANNEL_NAMES[channel] ?? { zh: channel, en: channel };
export const purposeName = (purpose: string): Bilingual => PURPOSE_NAMES[purpose] ?? { zh: purpose, en: purpose };

export interface PlanStepView {
  readonly stepId: string;
  readonly when: { readonly dpdDay: number } | { readonly daysBeforeDue: number };
  readonly channel: string;
  readonly purpose: string;
}

interface UpcomingStep {
  readonly stepId: string;
  /** The business date it falls due on if nothing changes (no payment, no plan, no hold). */
  readonly expectedOn: BusinessDate;
  readonly channel: string;
  readonly purpose: string;
  readonly text: Bilingual;
}

export interface NextSteps {
  readonly steps: readonly UpcomingStep[];
  /** Why nothing will happen for now (on hold, a promise or plan running), when that is so. */
  readonly paused: Bilingual | null;
  readonly summary: Bilingual;
}

/**
 * The case's next steps, from its plan: steps timed by days past due that DPD has not reached,
 * dated as if nothing changes, and steps timed before the next installment. Nothing is due while
 * the case is on hold; an open promise is said first.
 */
export function nextSteps(input: {
  readonly steps: readonly PlanStepView[];
  readonly dpd: number;
  /** The date `dpd` is valued on (the last completed end of day). */
  readonly asOf: BusinessDate;
  readonly nextDueDate: BusinessDate | null;
  readonly holds: readonly string[];
  readonly openPromise: { readonly amount: Fen; readonly dueOn: BusinessDate } | null;
  readonly limit?: number;
}): NextSteps {
  const out: UpcomingStep[] = [];
  for (const step of input.steps) {
    let expectedOn: BusinessDate | null = null;
    if ('dpdDay' in step.when) {
      if (step.when.dpdDay > input.dpd) expectedOn = addDays(input.asOf, step.when.dpdDay - input.dpd);
    } else if (input.nextDueDate) {
      const on = addDays(input.nextDueDate, -step.when.daysBeforeDue);
      expectedOn = compareDates(on, input.asOf) > 0 ? on : null;
    }
    if (!expectedOn) continue;
    const channel = channelName(step.channel);
    const purpose = purposeName(step.purpose);
    const dpdDay = 'dpdDay' in step.when ? step.when.dpdDay : null;
    out.push({
      stepId: step.stepId,
      expectedOn,
      channel: step.channel,
      purpose: step.purpose,
      text:
        dpdDay !== null
          ? {
              zh: `约${expectedOn}（逾期第${dpdDay}天）：${channel.zh}，${purpose.zh}。`,
              en: `Around ${expectedOn} (day ${dpdDay} past due): ${channel.en}, ${purpose.en}.`,
            }
          : {
              zh: `${expectedOn}（下期还款日前）：${channel.zh}，${purpose.zh}。`,
              en: `On ${expectedOn} (before your next due date): ${channel.en}, ${purpose.en}.`,
            },
    });
  }
  out.sort((a, b) => compareDates(a.expectedOn, b.expectedOn) || a.stepId.localeCompare(b.stepId));
  const steps = out.slice(0, input.limit ?? 5);
  let paused: Bilingual | null = null;
  if (input.holds.includes('DISPUTE') || input.holds.includes('COMPLAINT')) {
    paused = {
      zh: '您的投诉或异议处理期间，我们暂停催收联系。处理完毕后将恢复。',
      en: 'While your complaint or dispute is open, we do not contact you about this debt. We resume once it is resolved.',
    };
  } else if (input.holds.includes('RESTRUCTURING')) {
    paused = { zh: '您的还款计划执行期间，我们暂停催收联系。', en: 'While your repayment plan runs, we do not contact you about arrears.' };
  } else if (input.holds.length) {
    paused = { zh: '催收联系暂停中。', en: 'Collection contact is paused for now.' };
  }
  const promise = input.openPromise;
  const summary: Bilingual = paused
    ? paused
    : promise
      ? {
          zh: `您承诺于${promise.dueOn}前还款${yuan(promise.amount)}元。按时还款后，以下联系不再发生。`,
          en: `You promised to pay ${yuan(promise.amount)} yuan by ${promise.dueOn}. Once paid, the contacts below do not happen.`,
        }
      : steps.length
        ? { zh: `如未还款，${steps[0].text.zh}`, en: `If nothing is paid: ${steps[0].text.en}` }
        : { zh: '暂无计划中的联系。', en: 'No contact is planned.' };
  return { steps: paused ? [] : steps, paused, summary };
}

/** Fen as yuan with two decimals (for text only; amounts in fields stay fen). */
export function yuan(fen: Fen): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}
