/**
 * The KPI catalogue: what each KPI counts, over what, in which window, and how it may be sliced.
 * docs/kpis.md says the same in prose; `GET /monitoring/kpis` serves this list.
 */

export const DIMENSIONS = ['strategyId', 'strategyVersion', 'variant', 'grade', 'stage', 'collectorId', 'channel'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

export const DIMENSION_COLUMNS: Record<Dimension, string> = {
  strategyId: 'strategy_id',
  strategyVersion: 'strategy_version',
  variant: 'variant',
  grade: 'grade',
  stage: 'stage',
  collectorId: 'collector_id',
  channel: 'channel',
};

/** Outcomes where the attempt reached a person or a message was delivered. */
export const CONTACT_OUTCOMES = [
  'RIGHT_PARTY_CONTACT',
  'WRONG_PARTY',
  'THIRD_PARTY_CONTACT',
  'PROMISE_TO_PAY',
  'REFUSED',
  'DISPUTE',
  'COMPLAINT',
  'CALLBACK_REQUESTED',
  'DELIVERED',
] as const;

/** Outcomes where the attempt reached the debtor in person. */
export const RIGHT_PARTY_OUTCOMES = ['RIGHT_PARTY_CONTACT', 'PROMISE_TO_PAY', 'REFUSED', 'DISPUTE', 'COMPLAINT'] as const;

export const KPI_NAMES = [
  'aging',
  'roll_rate',
  'entry_rate',
  'cure_rate',
  'recovery_rate',
  'contact_rate',
  'right_party_contact_rate',
  'promise_to_pay_rate',
  'promise_kept_rate',
  'restructuring_success_rate',
  'disputes_complaints',
  'complaints_per_1000_contacts',
  'self_cure_rate',
  'outreach_on_time_rate',
] as const;
export type KpiName = (typeof KPI_NAMES)[number];

export interface KpiDefinition {
  readonly name: KpiName;
  readonly title: string;
  readonly numerator: string;
  readonly denominator: string;
  readonly window: string;
  /** Measures summed per row; numerator and denominator name two of them. */
  readonly measures: readonly string[];
  readonly numeratorMeasure: string;
  readonly denominatorMeasure: string;
  readonly dimensions: readonly Dimension[];
  /** Dimensions every row is broken down by, whether asked or not. */
  readonly alwaysBy: readonly Dimension[];
  /** Where the slice attributes come from. */
  readonly slices: string;
}

const CASE_DIMS: readonly Dimension[] = ['strategyId', 'strategyVersion', 'variant', 'grade', 'stage', 'collectorId'];
const CONTACT_DIMS: readonly Dimension[] = [...CASE_DIMS, 'channel'];

export const KPIS: Readonly<Record<KpiName, KpiDefinition>> = {
  aging: {
    name: 'aging',
    title: 'Aging: loans and outstanding principal per delinquency stage',
    numerator: 'loans in the stage at the end of the period (and their outstanding principal)',
    denominator: 'loans in any stage M0..M6+ at the end of the period (for the share)',
    window: 'a stock: the position at the end of the last day of each period',
    measures: ['loans', 'balance_fen'],
    numeratorMeasure: 'loans',
    denominatorMeasure: 'loans',
    dimensions: CASE_DIMS,
    alwaysBy: ['stage'],
    slices: 'stage and grade as of the date; strategy, variant and collector of the case open on that date (loans without an open case have none)',
  },
  roll_rate: {
    name: 'roll_rate',
    title: 'Roll rate: stage n at t−1 to stage n+1 at t (M6+ rolls to write-off)',
    numerator: 'loans in stage n at t−1 that are in stage n+1 at t (balance: their outstanding principal at t)',
    denominator: 'loans in stage n at t−1 (balance: their outstanding principal at t−1)',
    window: 't−1 is the day before the period starts, t its last day',
    measures: ['loans', 'rolled', 'written_off', 'balance_fen', 'rolled_balance_fen'],
    numeratorMeasure: 'rolled',
    denominatorMeasure: 'loans',
    dimensions: CASE_DIMS,
    alwaysBy: ['stage'],
    slices: 'stage n; grade, strategy, variant and collector as of t−1',
  },
  entry_rate: {
    name: 'entry_rate',
    title: 'Entry rate into collection',
    numerator: 'of the denominator, loans for which a collection case opened during the period',
    denominator: 'loans current (stage M0) at the end of the day before the period',
    window: 'cases opened from the first to the last day of the period',
    measures: ['loans', 'entered'],
    numeratorMeasure: 'entered',
    denominatorMeasure: 'loans',
    dimensions: ['grade'],
    alwaysBy: [],
    slices: 'grade as of the day before the period (performing loans have no strategy, collector or case stage)',
  },
  cure_rate: {
    name: 'cure_rate',
    title: 'Cure rate of cases entering collection',
    numerator: 'of the denominator, cases cured (loan back to M0 or paid off while the case was open, or closed CURED / PAID_OFF) on or before `to`',
    denominator: 'cases opened during the period',
    window: 'entry in the period; cure observed up to the end of the queried range (`to`)',
    measures: ['cases', 'cured'],
    numeratorMeasure: 'cured',
    denominatorMeasure: 'cases',
    dimensions: CASE_DIMS,
    alwaysBy: [],
    slices: 'the case: strategy, version and variant it opened with, grade and stage at entry, current collector',
  },
  recovery_rate: {
    name: 'recovery_rate',
    title: 'Recovery rate (collected ÷ overdue at case entry)',
    numerator:
      'per case, payments on the loan while the case was open and not reversed by `to`, and for a case closed WRITTEN_OFF the recoveries Loans recorded on the loan after the write-off by `to`, capped at the overdue amount at entry; summed',
    denominator: 'overdue amount at entry, summed over cases opened during the period',
    window: 'entry in the period; payments recorded up to the end of the queried range (`to`)',
    measures: ['cases', 'overdue_fen', 'collected_fen', 'recovered_fen', 'after_write_off_fen'],
    numeratorMeasure: 'recovered_fen',
    denominatorMeasure: 'overdue_fen',
    dimensions: CASE_DIMS,
    alwaysBy: [],
    slices: 'the case, as for the cure rate',
  },
  contact_rate: {
    name: 'contact_rate',
    title: 'Contact rate per channel',
    numerator: `attempts whose outcome reached a person or was delivered (${CONTACT_OUTCOMES.join(', ')})`,
    denominator: 'contact attempts (refused attempts, ContactBlocked, are not attempts)',
    window: 'attempts on a local date in the period',
    measures: ['attempts', 'contacts'],
    numeratorMeasure: 'contacts',
    denominatorMeasure: 'attempts',
    dimensions: CONTACT_DIMS,
    alwaysBy: ['channel'],
    slices: "the case at the attempt (stage then), the attempting collector or else the case's collector",
  },
  right_party_contact_rate: {
    name: 'right_party_contact_rate',
    title: 'Right-party-contact rate per channel',
    numerator: `attempts on the debtor (party DEBTOR) whose outcome reached them (${RIGHT_PARTY_OUTCOMES.join(', ')}); a third party's refusal or dispute is not a right-party contact`,
    denominator: 'contact attempts',
    window: 'attempts on a local date in the period',
    measures: ['attempts', 'right_party_contacts'],
    numeratorMeasure: 'right_party_contacts',
    denominatorMeasure: 'attempts',
    dimensions: CONTACT_DIMS,
    alwaysBy: ['channel'],
    slices: 'as for the contact rate',
  },
  promise_to_pay_rate: {
    name: 'promise_to_pay_rate',
    title: 'Promise-to-pay rate',
    numerator: 'right-party contacts (the debtor) with the outcome PROMISE_TO_PAY',
    denominator: 'right-party contacts',
    window: 'attempts on a local date in the period',
    measures: ['right_party_contacts', 'promises'],
    numeratorMeasure: 'promises',
    denominatorMeasure: 'right_party_contacts',
    dimensions: CONTACT_DIMS,
    alwaysBy: [],
    slices: 'as for the contact rate',
  },
  promise_kept_rate: {
    name: 'promise_kept_rate',
    title: 'Promise-kept rate',
    numerator: 'promises judged kept',
    denominator: 'promises judged kept or broken (cancelled ones are neither)',
    window: 'promises judged during the period',
    measures: ['resolved', 'kept'],
    numeratorMeasure: 'kept',
    denominatorMeasure: 'resolved',
    dimensions: CASE_DIMS,
    alwaysBy: [],
    slices: 'the case when the promise was recorded',
  },
  restructuring_success_rate: {
    name: 'restructuring_success_rate',
    title: 'Restructuring success rate',
    numerator: 'plans completed (observation period passed cleanly)',
    denominator: 'plans completed or broken (deferrals and installment plans; a fee waiver is no plan)',
    window: 'plans that ended during the period',
    measures: ['ended', 'completed'],
    numeratorMeasure: 'completed',
    denominatorMeasure: 'ended',
    dimensions: CASE_DIMS,
    alwaysBy: [],
    slices: "the loan's open case when the plan was activated",
  },
  disputes_complaints: {
    name: 'disputes_complaints',
    title: 'Disputes and complaints',
    numerator: 'cases with at least one dispute or complaint raised in the period (counts of each are given too)',
    denominator: 'cases open at any time during the period',
    window: 'disputes and complaints raised during the period (a contact outcome and the hold it causes count once)',
    measures: ['active_cases', 'disputes', 'complaints', 'cases_with_either'],
    numeratorMeasure: 'cases_with_either',
    denominatorMeasure: 'active_cases',
    dimensions: CASE_DIMS,
    alwaysBy: [],
    slices: 'the case, as for the cure rate',
  },
  // Complaint KPIs (docs/self-service.md): by collector and variant here. By agency: once cases
  // carry their agency (libs/agencies), add an `agencyId` dimension (a column on the fact rows'
  // Dims, copied from the case like the collector) and list it in COMPLAINT_DIMS.
  complaints_per_1000_contacts: {
    name: 'complaints_per_1000_contacts',
    title: 'Complaints per 1,000 contacts',
    numerator:
      'complaints about conduct (kind COMPLAINT) raised on the slice’s cases in the period: a debtor’s contact outcome COMPLAINT, or a complaint raised in the app, by staff or on a referral, once per case it concerns (rows also count those since resolved upheld or partly upheld, `upheld`, and `disputes`)',
    denominator: 'contact attempts in the period on the slice’s cases (rows give `perThousand` = rate × 1,000, and `upheldPerThousand`)',
    window: 'complaints raised and attempts made on a date in the period',
    measures: ['attempts', 'complaints', 'upheld', 'disputes'],
    numeratorMeasure: 'complaints',
    denominatorMeasure: 'attempts',
    dimensions: CASE_DIMS,
    alwaysBy: [],
    slices:
      "the case's strategy, version and variant, grade and stage; the collector: the attempting one (else the case's) for attempts, the case's for complaints",
  },
  self_cure_rate: {
    name: 'self_cure_rate',
    title: 'Self-cure rate: cases cured or put on a plan without a collector’s call or visit',
    numerator:
      'of the denominator, cases that cured (as for the cure rate) or whose loan took a deferral or installment plan while the case was open, on or before `to`, with no call or field visit on the case up to that day (reminders by SMS, email, app push or letter do not count as a collector contact)',
    denominator: 'cases opened during the period',
    window: 'entry in the period; cure or plan observed up to the end of the queried range (`to`)',
    measures: ['cases', 'cured_or_plan', 'self_cured'],
    numeratorMeasure: 'self_cured',
    denominatorMeasure: 'cases',
    dimensions: CASE_DIMS,
    alwaysBy: [],
    slices: 'the case, as for the cure rate (grade at entry, strategy variant)',
  },
  outreach_on_time_rate: {
    name: 'outreach_on_time_rate',
    title: 'On-time payment with and without pre-due outreach',
    numerator:
      'of the denominator, installments paid in full (principal and interest) by payments recorded on or before their due date and not reversed by `to` (rows also give `outreached`, `outreachedOnTime`, `warned`, `warnedOnTime` and the rates `rateWithOutreach`, `rateWithoutOutreach` and `rateWarnedWithoutOutreach`)',
    denominator:
      'installments falling due in the period on loans current (M0) at the end of the day before; `outreached`: those for which Collection started a pre-delinquency track towards that due date, on or before it, whatever the gate then let through; `warned`: the outreached ones and those of customers with an early-warning episode open at the end of the day before (the fairer control group: warned, not reached)',
    window: 'installments due from the first to the last day of the period (a schedule replaced before the due date drops its installment)',
    measures: ['installments', 'on_time', 'outreached', 'outreached_on_time', 'warned', 'warned_on_time'],
    numeratorMeasure: 'on_time',
    denominatorMeasure: 'installments',
    dimensions: ['strategyId', 'strategyVersion', 'variant', 'grade'],
    alwaysBy: [],
    slices: 'strategy, version and variant of the outreach track (installments without outreach have none); grade as of the day before the due date',
  },
};
