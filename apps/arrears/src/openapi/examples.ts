/**
 * Worked request bodies for the OpenAPI document, keyed `METHOD /path`: the main flow of
 * docs/quickstart.md, in its order, on a fresh start (calendar opened on Monday 2 March 2026),
 * then the staff's and the customer's other commands on the same portfolio (customer CU-000123,
 * loan LN-20260202-0001). test/e2e/quickstart.spec.ts runs the quickstart's commands against a
 * fresh app and checks that every body they send is one of these; test/e2e/openapi.spec.ts sends
 * every example here to a fresh app, in a story that gives each its preconditions, and each must be
 * accepted as is.
 */
export const EXAMPLES: Record<string, Record<string, unknown>> = {
  'POST /loans/calendar': {
    'start the calendar': { openBusinessDate: '2026-03-02' },
  },
  'POST /loans/calendar/close': {
    'close the open business date': { businessDate: '2026-03-02' },
  },
  'POST /collection/strategies': {
    'a ladder for grade C in M1': {
      strategyId: 'std-C-M1',
      keys: [{ grade: 'C', stage: 'M1' }],
      champion: [
        { stepId: 'sms-1', when: { dpdDay: 1 }, channel: 'SMS', purpose: 'REMINDER', templateId: 'tpl-reminder-1', priority: 3 },
        { stepId: 'call-1', when: { dpdDay: 1 }, channel: 'CALL', purpose: 'NEGOTIATION', templateId: 'script-negotiate', priority: 1 },
        { stepId: 'edu-5', when: { dpdDay: 5 }, channel: 'EMAIL', purpose: 'EDUCATION', templateId: 'tpl-credit-record' },
      ],
      reason: 'baseline ladder for grade C in M1',
    },
  },
  'POST /collection/strategies/{strategyId}/versions/{version}/approve': {
    'approve (a second risk manager)': {},
  },
  'POST /collection/strategies/{strategyId}/versions/{version}/activate': {
    'activate from the open business date': { effectiveFrom: '2026-03-02' },
  },
  'POST /collection/collectors': {
    'a collector of team T1': { collectorId: 'col-1', team: 'T1', capacity: 50, skills: ['M1', 'M2'] },
  },
  'POST /collection/collectors/{collectorId}/trainings': {
    'a passed course': { courseId: 'basic-101', score: 82, completedOn: '2026-02-20' },
  },
  'POST /collection/collectors/{collectorId}/certifications': {
    'the basic certification': { certification: 'COLLECTION_BASIC', courseId: 'basic-101', grantedOn: '2026-02-25', expiresOn: '2027-02-25' },
  },
  'POST /loans/accounts': {
    'a 3-month cash loan of 3,000.00 yuan': {
      loanId: 'LN-20260202-0001',
      customerId: 'CU-000123',
      productCode: 'CASH-3M',
      principal: 300_000,
      annualRateBps: 1200,
      termMonths: 3,
      disbursementDate: '2026-02-02',
      timeZone: 'Asia/Shanghai',
      schedule: [
        { seq: 1, dueDate: '2026-03-03', principal: 100_000, interest: 3_000 },
        { seq: 2, dueDate: '2026-04-03', principal: 100_000, interest: 2_000 },
        { seq: 3, dueDate: '2026-05-03', principal: 100_000, interest: 1_000 },
      ],
      product: { waterfall: { order: ['penalty', 'interest', 'principal'], sweep: 'installment' } },
    },
  },
  'POST /collection/cases/{caseId}/contacts': {
    'a call that brings a promise': {
      channel: 'CALL',
      outcome: 'PROMISE_TO_PAY',
      at: '2026-03-05T10:00:00+08:00',
      promise: { promiseId: 'ptp-1', amount: 103_000, dueOn: '2026-03-07' },
      recordingRef: 'rec-20260305-0001',
      identified: true,
    },
  },
  // Beyond the main flow: the staff's other commands on the same case, before it is paid.
  'PUT /customers/{customerId}/personal-data': {
    'made-up personal data, kept encrypted in the vault': {
      fullName: '王小明',
      phones: ['+86 138 0013 8000'],
      emails: ['xiaoming@example.com'],
      addresses: ['上海市浦东新区世纪大道 100 号'],
      idNumber: '310101199001011234',
      thirdPartyContacts: [],
    },
  },
  'POST /collection/cases/{caseId}/field-visits': {
    'a visit, the debtor unreachable by phone': { visitId: 'fv-1', plannedOn: '2026-03-06', reason: 'unreachable by phone' },
  },
  'POST /collection/cases/{caseId}/field-visits/{visitId}/approve': {
    'approve (the team’s supervisor)': {},
  },
  'POST /collection/cases/{caseId}/reassign': {
    'to another collector of the team': { collectorId: 'col-2', reason: 'col-1 is on leave this week' },
  },
  'POST /loans/accounts/{loanId}/write-off': {
    'ask for a write-off (maker)': { requestId: 'wo-1', reason: 'debtor deceased, no estate' },
  },
  'POST /loans/accounts/{loanId}/write-off/{requestId}/rejection': {
    'reject it (another supervisor)': { reason: 'the family keeps paying' },
  },
  'POST /loans/accounts/{loanId}/settlements': {
    'offer a discounted payoff (maker)': { settlementId: 'st-1', amount: 150_000, dueBy: '2026-03-20', reason: 'hardship: a lump sum from family' },
  },
  'POST /loans/accounts/{loanId}/settlements/{settlementId}/rejection': {
    'reject it (another supervisor)': { reason: 'the customer can pay more' },
  },
  'POST /collection/strategies/{strategyId}/versions/{version}/reject': {
    'reject a proposed version (a second risk manager)': { reason: 'the call must come before the SMS' },
  },
  'POST /loans/accounts/{loanId}/payments': {
    'the overdue installment, paid': { reference: 'TX-20260305-0001', amount: 103_000, valueDate: '2026-03-05' },
  },
  // The customer's own channel (docs/self-service.md), with a customer token from the bank's app.
  'POST /self-service/loans/{loanId}/promises': {
    'the customer promises the overdue installment': { amount: 103_000, dueOn: '2026-03-07' },
  },
  'POST /self-service/loans/{loanId}/restructuring-requests': {
    'a six-month installment plan after losing a job': {
      terms: { type: 'INSTALLMENT_PLAN', method: 'EQUAL_INSTALLMENT', tenorMonths: 6, annualRateBps: 1_200 },
      hardship: { reasonCode: 'JOB_LOSS', evidenceRefs: ['doc:termination-letter-77'] },
      monthlyIncome: 800_000,
    },
  },
  'POST /self-service/restructuring-requests/{requestId}/acceptance': {
    'accept the offer in the app': {},
  },
  'POST /self-service/contact-preferences/opt-outs': {
    'stop text messages': { channel: 'SMS', optedOut: true },
  },
  'POST /self-service/contact-preferences/preferred-times': {
    'calls only in the lunch break or the evening': {
      channel: 'CALL',
      windows: [
        { start: '12:00', end: '13:30' },
        { start: '18:00', end: '20:00' },
      ],
    },
  },
  'POST /self-service/complaints': {
    'dispute the amount of a loan': { kind: 'DISPUTE', category: 'DEBT_AMOUNT', loanId: 'LN-20260202-0001', statementRef: 'doc:customer-letter-1' },
  },
  'POST /restructuring/requests/{requestId}/assessment': {
    'assess the request (the case’s collector)': {},
  },
  'POST /restructuring/requests/{requestId}/approvals': {
    'approve the assessed request (a supervisor)': {},
  },
  'POST /restructuring/requests/{requestId}/offer': {
    'offer the approved terms in the app': { channel: 'APP' },
  },
  'POST /complaints': {
    'a complaint taken on a call': { customerId: 'CU-000123', source: 'STAFF', kind: 'COMPLAINT', category: 'CONTACT_FREQUENCY', loanId: 'LN-20260202-0001' },
  },
  'POST /complaints/{complaintId}/acknowledgement': {
    'acknowledge it (outside the collection team)': {},
  },
  'POST /complaints/{complaintId}/investigation': {
    'take the investigation': {},
  },
  'POST /complaints/{complaintId}/deadline-extension': {
    'a complex case, the customer told': { days: 15, reason: 'COMPLEX_CASE', noticeRef: 'doc:extension-notice-1' },
  },
  'POST /complaints/{complaintId}/resolution': {
    'partly upheld, the penalty waived': { outcome: 'PARTLY_UPHELD', remedies: ['PENALTY_WAIVER'], resolutionRef: 'doc:answer-1' },
  },
  // Collection agencies (docs/agencies.md): a contract under maker-checker, a placement and its recall.
  'POST /agencies': {
    'an agency for M1 to M3 cases': {
      agencyId: 'ag-hd',
      name: 'Huadong Credit Recovery Co., Ltd.',
      licenceRef: 'LIC-310000-2025-0042',
      contract: {
        contractNo: 'HD-2026-01',
        startsOn: '2026-03-01',
        endsOn: '2027-02-28',
        stages: ['M1', 'M2', 'M3'],
        capacity: 200,
        commission: { defaultBps: 800, byStage: { M3: 1500 } },
      },
    },
  },
  'POST /agencies/{agencyId}/approval': {
    'approve (a second risk manager)': {},
  },
  'POST /agencies/{agencyId}/contract-amendments': {
    'rates by recovery band': {
      contract: {
        contractNo: 'HD-2026-02',
        startsOn: '2026-03-01',
        endsOn: '2027-02-28',
        stages: ['M1', 'M2', 'M3'],
        capacity: 300,
        commission: {
          defaultBps: 0,
          bands: [
            { fromFen: 0, bps: 800 },
            { fromFen: 500_000, bps: 1200 },
          ],
        },
      },
    },
  },
  'POST /agencies/{agencyId}/contract-amendments/approval': {
    'approve the amendment (a second risk manager)': {},
  },
  'POST /agencies/{agencyId}/agents/{agentId}/certifications': {
    'the base certification of an agency collector': { certification: 'COLLECTION_BASIC', grantedOn: '2026-02-01', expiresOn: '2027-01-31' },
  },
  'POST /agencies/placements': {
    'place a case with the agency': { caseId: 'LN-20260202-0001-E1', agencyId: 'ag-hd', reason: 'unreachable by the team for two weeks', termDays: 60 },
  },
  'POST /agencies/placements/{caseId}/recall': {
    'recall it, with a reason': { reason: 'the customer asked to deal with the bank directly' },
  },
};
