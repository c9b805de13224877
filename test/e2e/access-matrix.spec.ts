import type { StaffRole } from '#platform';
import { ROLES } from '#platform';
import { routeTable } from '../../apps/arrears/src/app.js';
import { CONTEXTS } from '../../apps/arrears/src/contexts.js';
import { bootApp, type TestApp } from '#test-support/app.js';

/**
 * Who may call what. Every route the app registers must be listed here, so a new route cannot
 * escape review: the test fails on any route missing from (or extra in) this table.
 */
const MATRIX: Record<string, readonly StaffRole[] | 'public'> = {
  'GET /health/live': 'public',
  'GET /health/ready': 'public',
  'GET /metrics': 'public',
  'GET /docs': 'public',
  'GET /docs/json': 'public',
  'GET /docs-yaml': 'public',
  'GET /docs/': 'public',
  'GET /docs/*': 'public',
  'GET /docs/LICENSE': 'public',
  'GET /docs/index.html': 'public',
  'GET /docs/docs/swagger-ui-init.js': 'public',
  'GET /docs/swagger-ui-init.js': 'public',
  // The staff console's page and script; what it shows comes from the routes below, with the user's token.
  'GET /console': 'public',
  'GET /console/': 'public',
  'GET /console/console.js': 'public',
  // Development only: on the embedded default (no JWKS_URL, not NODE_ENV=production) it mints a token (console.spec.ts).
  'POST /console/dev-token': 'public',
  'GET /admin/projections': ['admin', 'auditor'],
  'POST /admin/projections/:name/rebuild': ['admin'],
  'POST /admin/projections/:name/retry': ['admin'],
  'POST /admin/projections/:name/verify': ['admin', 'auditor'],
  'POST /admin/projections/:name/skip': ['admin'],
  'PUT /customers/:customerId/personal-data': ['service', 'admin'],
  'GET /customers/:customerId/personal-data': ['collector', 'supervisor', 'risk_manager', 'auditor', 'service', 'admin'],
  'DELETE /customers/:customerId/personal-data': ['admin'],
  'GET /customers/:customerId/personal-data/access-log': ['auditor', 'admin'],
  'GET /audit/history': ['auditor', 'admin', 'supervisor', 'risk_manager'],
  'GET /audit/streams/:streamId/state': ['auditor', 'admin'],
  'GET /audit/events/:eventId/explain': ['auditor', 'admin', 'supervisor', 'risk_manager'],
  'GET /audit/verify': ['auditor', 'admin'],
  'GET /audit/access-log': ['auditor', 'admin'],
  'POST /audit/anchors/:day': ['admin'],
  'GET /audit/anchors/verify': ['auditor', 'admin'],
  'POST /loans/accounts': ['service', 'admin'],
  'GET /loans/accounts': ['collector', 'supervisor', 'risk_manager', 'auditor', 'admin', 'service'],
  'GET /loans/accounts/:loanId': ['collector', 'supervisor', 'risk_manager', 'auditor', 'admin', 'service'],
  'POST /loans/accounts/:loanId/payments': ['service', 'admin'],
  'POST /loans/accounts/:loanId/payments/:reference/reversal': ['service', 'admin'],
  'POST /loans/accounts/:loanId/write-off': ['supervisor', 'risk_manager'],
  'POST /loans/accounts/:loanId/write-off/:requestId/approval': ['supervisor', 'risk_manager'],
  'POST /loans/accounts/:loanId/write-off/:requestId/rejection': ['supervisor', 'risk_manager'],
  'POST /loans/accounts/:loanId/settlements': ['supervisor', 'risk_manager'],
  'POST /loans/accounts/:loanId/settlements/:settlementId/approval': ['supervisor', 'risk_manager'],
  'POST /loans/accounts/:loanId/settlements/:settlementId/rejection': ['supervisor', 'risk_manager'],
  'GET /loans/aging': ['supervisor', 'risk_manager', 'auditor', 'admin'],
  'POST /loans/calendar': ['service', 'admin'],
  'GET /loans/calendar': ['collector', 'supervisor', 'risk_manager', 'auditor', 'admin', 'service'],
  'POST /loans/calendar/close': ['service', 'admin'],
  'GET /loans/calendar/days/:businessDate': ['supervisor', 'risk_manager', 'auditor', 'admin', 'service'],
  'POST /grading/policies': ['risk_manager'],
  'GET /grading/policies': ['risk_manager', 'supervisor', 'auditor', 'admin'],
  'GET /grading/policies/template': ['risk_manager', 'auditor', 'admin'],
  'GET /grading/policies/active': ['collector', 'risk_manager', 'supervisor', 'auditor', 'admin'],
  'GET /grading/policies/diff': ['risk_manager', 'supervisor', 'auditor', 'admin'],
  'GET /grading/policies/:id': ['risk_manager', 'supervisor', 'auditor', 'admin'],
  'POST /grading/policies/:id/approve': ['risk_manager'],
  'POST /grading/policies/:id/reject': ['risk_manager'],
  'POST /grading/policies/:id/activate': ['risk_manager'],
  'POST /grading/policies/:id/retire': ['risk_manager'],
  'POST /grading/classification-rules': ['risk_manager'],
  'GET /grading/classification-rules': ['risk_manager', 'supervisor', 'auditor', 'admin'],
  'GET /grading/classification-rules/template': ['risk_manager', 'auditor', 'admin'],
  'GET /grading/classification-rules/active': ['collector', 'risk_manager', 'supervisor', 'auditor', 'admin'],
  'GET /grading/classification-rules/diff': ['risk_manager', 'supervisor', 'auditor', 'admin'],
  'GET /grading/classification-rules/:id': ['risk_manager', 'supervisor', 'auditor', 'admin'],
  'POST /grading/classification-rules/:id/approve': ['risk_manager'],
  'POST /grading/classification-rules/:id/reject': ['risk_manager'],
  'POST /grading/classification-rules/:id/activate': ['risk_manager'],
  'POST /grading/classification-rules/:id/retire': ['risk_manager'],
  'GET /grading/policies/:id/preview': ['risk_manager', 'admin'],
  'POST /grading/customers/:customerId/profile': ['service'],
  'POST /grading/customers/:customerId/promise-outcomes': ['service'],
  'POST /grading/customers/:customerId/restructuring-outcomes': ['service'],
  'GET /grading/customers': ['supervisor', 'risk_manager', 'auditor', 'admin'],
  'GET /grading/customers/:customerId': ['collector', 'supervisor', 'risk_manager', 'auditor', 'admin'],
  'GET /grading/customers/:customerId/history': ['collector', 'supervisor', 'risk_manager', 'auditor', 'admin'],
  'GET /grading/distribution': ['supervisor', 'risk_manager', 'auditor', 'admin'],
  'GET /grading/loans/:loanId/classification': ['collector', 'supervisor', 'risk_manager', 'auditor', 'admin'],
  'GET /grading/classifications': ['supervisor', 'risk_manager', 'auditor', 'admin'],
  'GET /grading/classifications/summary': ['supervisor', 'risk_manager', 'auditor', 'admin'],
  'GET /grading/classifications/report': ['supervisor', 'risk_manager', 'auditor', 'admin'],
  'POST /grading/loans/:loanId/classification/overrides': ['risk_manager'],
  'POST /grading/loans/:loanId/classification/overrides/:requestId/approval': ['risk_manager'],
  'POST /grading/runs': ['risk_manager', 'service', 'admin'],
  'GET /grading/runs': ['supervisor', 'risk_manager', 'auditor', 'admin'],
  'GET /grading/runs/:runId': ['supervisor', 'risk_manager', 'auditor', 'admin'],
  'POST /collection/strategies': ['risk_manager'],
  'POST /collection/strategies/:strategyId/versions/:version/approve': ['risk_manager'],
  'POST /collection/strategies/:strategyId/versions/:version/reject': ['risk_manager'],
  'POST /collection/strategies/:strategyId/versions/:version/activate': ['risk_manager'],
  'GET /collection/strategies': ['risk_manager', 'supervisor', 'auditor', 'admin'],
  'GET /collection/strategies/:strategyId': ['risk_manager', 'supervisor', 'auditor', 'admin'],
  'GET /collection/strategies/:strategyId/versions/:version/what-if': ['risk_manager', 'auditor', 'admin'],
  'POST /collection/contact-rules': ['risk_manager', 'admin'],
  'POST /collection/contact-rules/:rulesVersion/approve': ['risk_manager', 'admin'],
  'GET /collection/contact-rules': ['collector', 'supervisor', 'risk_manager', 'auditor', 'admin', 'service'],
  'POST /collection/end-of-day': ['service', 'admin'],
  'POST /collection/collectors': ['supervisor', 'admin'],
  'POST /collection/collectors/:collectorId/profile': ['supervisor', 'admin'],
  'POST /collection/collectors/:collectorId/trainings': ['supervisor', 'admin'],
  'POST /collection/collectors/:collectorId/certifications': ['supervisor', 'admin'],
  'GET /collection/collectors': ['supervisor', 'risk_manager', 'auditor', 'admin'],
  'GET /collection/collectors/:collectorId': ['collector', 'supervisor', 'risk_manager', 'auditor', 'admin'],
  'GET /collection/teams/:team': ['supervisor', 'risk_manager', 'auditor', 'admin'],
  'GET /collection/cases': ['collector', 'supervisor', 'risk_manager', 'auditor', 'admin'],
  'GET /collection/cases/:caseId': ['collector', 'supervisor', 'risk_manager', 'auditor', 'admin'],
  'GET /collection/cases/:caseId/what-if': ['supervisor', 'risk_manager', 'auditor', 'admin'],
  'GET /collection/work-queue': ['collector', 'supervisor', 'auditor', 'admin'],
  'POST /collection/cases/:caseId/contacts': ['collector', 'supervisor', 'service', 'admin'],
  'POST /collection/cases/:caseId/field-visits': ['collector', 'supervisor'],
  'POST /collection/cases/:caseId/field-visits/:visitId/approve': ['supervisor'],
  'POST /collection/cases/:caseId/field-visits/:visitId/reject': ['supervisor'],
  'POST /collection/cases/:caseId/field-visits/:visitId/report': ['collector', 'supervisor'],
  'POST /collection/cases/:caseId/plan-adjustments': ['collector', 'supervisor'],
  'POST /collection/cases/:caseId/reassign': ['supervisor', 'admin'],
  'POST /collection/cases/:caseId/holds': ['collector', 'supervisor', 'admin'],
  'POST /collection/cases/:caseId/holds/:holdId/release': ['supervisor', 'admin'],
  'POST /collection/cases/:caseId/close': ['supervisor', 'admin'],
  'POST /collection/debtors/:customerId/opt-outs': ['collector', 'supervisor', 'service', 'admin'],
  'POST /collection/debtors/:customerId/third-party-exceptions': ['supervisor', 'admin'],
  'POST /collection/debtors/:customerId/third-party-exceptions/:exceptionId/end': ['supervisor', 'admin'],
  'GET /collection/debtors/:customerId/contact-ledger': ['supervisor', 'auditor', 'admin'],
  'GET /collection/debtors/:customerId/dispatch': ['supervisor', 'auditor', 'admin'],
  'POST /collection/dispatch': ['service', 'admin'],
  'POST /collection/contact-rules/impact': ['risk_manager', 'auditor', 'admin'],
  'POST /restructuring/requests': ['collector'],
  'POST /restructuring/requests/:requestId/assessment': ['collector', 'supervisor'],
  'POST /restructuring/requests/:requestId/approvals': ['supervisor'],
  'POST /restructuring/requests/:requestId/rejection': ['supervisor'],
  'POST /restructuring/requests/:requestId/offer': ['collector', 'supervisor'],
  'POST /restructuring/requests/:requestId/acceptance': ['service', 'collector'],
  'GET /restructuring/requests': ['collector', 'supervisor', 'risk_manager', 'auditor', 'admin'],
  'GET /restructuring/requests/:requestId': ['collector', 'supervisor', 'risk_manager', 'auditor', 'admin'],
  'GET /restructuring/approval-queue': ['supervisor', 'risk_manager', 'auditor', 'admin'],
  'GET /restructuring/plan-performance': ['supervisor', 'risk_manager', 'auditor', 'admin'],
  'GET /restructuring/policy': ['collector', 'supervisor', 'risk_manager', 'auditor', 'admin'],
  'PUT /restructuring/policy': ['risk_manager'],
  'GET /restructuring/policy/proposals': ['supervisor', 'risk_manager', 'auditor', 'admin'],
  'POST /restructuring/policy/versions/:version/approval': ['risk_manager'],
  'GET /monitoring/kpis': ['risk_manager', 'supervisor', 'auditor', 'admin'],
  'GET /monitoring/kpis/:kpi': ['risk_manager', 'supervisor', 'auditor', 'admin'],
  'GET /monitoring/warnings': ['risk_manager', 'supervisor', 'auditor', 'admin'],
  'GET /monitoring/rule-sets': ['risk_manager', 'supervisor', 'auditor', 'admin'],
  'GET /monitoring/reviews': ['risk_manager', 'supervisor', 'auditor', 'admin'],
  'GET /monitoring/restatements': ['risk_manager', 'supervisor', 'auditor', 'admin'],
  'GET /monitoring/reviews/:reviewId': ['risk_manager', 'supervisor', 'auditor', 'admin'],
  'POST /monitoring/reviews': ['risk_manager', 'admin'],
  'POST /monitoring/business-days/:date/close': ['admin', 'service'],
  // The customer's own channel: a customer principal only (the bank's app acting for one customer).
  'GET /self-service/loans': ['customer'],
  'GET /self-service/loans/:loanId': ['customer'],
  'GET /self-service/contacts': ['customer'],
  'POST /self-service/loans/:loanId/promises': ['customer'],
  'POST /self-service/loans/:loanId/restructuring-requests': ['customer'],
  'GET /self-service/loans/:loanId/restructuring-options': ['customer'],
  'GET /self-service/restructuring-requests': ['customer'],
  'GET /self-service/restructuring-requests/:requestId': ['customer'],
  'POST /self-service/restructuring-requests/:requestId/acceptance': ['customer'],
  'GET /self-service/contact-preferences': ['customer'],
  'POST /self-service/contact-preferences/opt-outs': ['customer'],
  'POST /self-service/contact-preferences/preferred-times': ['customer'],
  'POST /self-service/complaints': ['customer'],
  'GET /self-service/complaints': ['customer'],
  'GET /self-service/complaints/:complaintId': ['customer'],
  // The complaints register: handled outside the collection teams.
  'POST /complaints': ['collector', 'supervisor', 'risk_manager', 'admin'],
  'GET /complaints': ['supervisor', 'risk_manager', 'auditor', 'admin'],
  'GET /complaints/stats': ['supervisor', 'risk_manager', 'auditor', 'admin'],
  'GET /complaints/:complaintId': ['supervisor', 'risk_manager', 'auditor', 'admin'],
  'POST /complaints/:complaintId/acknowledgement': ['supervisor', 'risk_manager', 'admin'],
  'POST /complaints/:complaintId/investigation': ['supervisor', 'risk_manager', 'admin'],
  'POST /complaints/:complaintId/deadline-extension': ['supervisor', 'risk_manager', 'admin'],
  'POST /complaints/:complaintId/resolution': ['supervisor', 'risk_manager', 'admin'],
  // Collection agencies (docs/agencies.md): the published list for anyone authenticated; contracts
  // under maker-checker; placements by supervisors; the agency principal only on its own routes.
  'GET /agencies': ['collector', 'supervisor', 'risk_manager', 'auditor', 'admin', 'service', 'customer', 'agency'],
  'POST /agencies': ['risk_manager'],
  'POST /agencies/:agencyId/approval': ['risk_manager'],
  'POST /agencies/:agencyId/rejection': ['risk_manager'],
  'POST /agencies/:agencyId/contract-amendments': ['risk_manager'],
  'POST /agencies/:agencyId/contract-amendments/approval': ['risk_manager'],
  'POST /agencies/:agencyId/suspension': ['supervisor', 'risk_manager'],
  'POST /agencies/:agencyId/agents/:agentId/certifications': ['supervisor', 'risk_manager'],
  'GET /agencies/evaluations': ['supervisor', 'risk_manager', 'auditor', 'admin'],
  'GET /agencies/placement-rules': ['supervisor', 'risk_manager', 'auditor', 'admin'],
  'POST /agencies/placement-rules': ['risk_manager'],
  'POST /agencies/placement-rules/:version/approval': ['risk_manager'],
  'POST /agencies/placement-rules/:version/rejection': ['risk_manager'],
  'POST /agencies/placements': ['supervisor', 'admin'],
  'GET /agencies/placements': ['supervisor', 'risk_manager', 'auditor', 'admin'],
  'POST /agencies/placements/:caseId/recall': ['supervisor', 'admin'],
  'GET /agencies/my/cases': ['agency'],
  'GET /agencies/my/cases/:caseId': ['agency'],
  'POST /agencies/my/cases/:caseId/contacts': ['agency'],
};

function concrete(url: string): string {
  return url.replace(/:[A-Za-z]+/g, 'no-such-id').replace(/\*$/, 'index.html');
}

describe('route × role access matrix', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp(CONTEXTS);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('lists every registered route', () => {
    const registered = [...new Set(routeTable(t.app).map((r) => `${r.method} ${r.url}`))].sort();
    expect(registered).toEqual(Object.keys(MATRIX).sort());
  });

  it.each(Object.entries(MATRIX))('%s answers 401 without a token, 403 to other roles, and lets its roles in', async (route, allowed) => {
    const [method, url] = route.split(' ');
    const path = concrete(url);
    const anonymous = await t.as(null)(method, path, method === 'POST' || method === 'PUT' ? {} : undefined);
    if (allowed === 'public') {
      expect([401, 403]).not.toContain(anonymous.status);
      return;
    }
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.code).toBe('UNAUTHENTICATED');
    for (const role of ROLES) {
      const res = await t.as(role)(method, path, method === 'POST' || method === 'PUT' || method === 'DELETE' ? {} : undefined);
      if (allowed.includes(role)) expect({ role, refused: [401, 403].includes(res.status) }).toEqual({ role, refused: false });
      else expect({ role, status: res.status, code: res.body?.code }).toEqual({ role, status: 403, code: 'FORBIDDEN' });
    }
  });

  it('refuses forged, expired and role-less tokens', async () => {
    const good = await t.token('admin');
    const [h, p] = good.split('.');
    const forged = `${h}.${p}.${'A'.repeat(43)}`;
    for (const bad of [forged, 'not-a-jwt', '']) {
      const res = await t.as(null)('GET', '/admin/projections', undefined, { authorization: `Bearer ${bad}` });
      expect(res.status).toBe(401);
    }
  });
});
