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
  'POST /audit/anchors/:day': ['admin'],
  'GET /audit/anchors/verify': ['auditor', 'admin'],
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
