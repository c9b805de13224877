import { Ajv } from 'ajv';
import { CONTEXTS } from '../../apps/arrears/src/contexts.js';
import { operations } from '../../apps/arrears/src/openapi/document.js';
import { EXAMPLES } from '../../apps/arrears/src/openapi/examples.js';
import { responseSchemas } from '../../apps/arrears/src/openapi/response-types.js';
import type { StaffRole } from '#platform';
import { bootApp, eventually, type TestApp } from '#test-support/app.js';
import { clocksAt, closeBusinessDay } from '#test-support/clock.js';

/**
 * The OpenAPI document a newcomer integrates from (/docs/json on the real app): every operation
 * says what it does and what it answers, every parameter what it means, the request examples fit
 * their schemas, and the document says how to get a token. The response schemas come from the
 * controllers' return types; the checked-in generated file must match a fresh generation.
 */
/** OpenAPI 3.0's schema dialect as JSON Schema for Ajv: boolean exclusive bounds and `nullable`. */
function jsonSchema(schema: any): any {
  if (Array.isArray(schema)) return schema.map(jsonSchema);
  if (!schema || typeof schema !== 'object') return schema;
  const out: any = Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, jsonSchema(v)]));
  for (const [flag, bound] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const) {
    if (typeof out[flag] === 'boolean') {
      if (out[flag]) out[flag] = out[bound];
      else delete out[flag];
      if (out[flag] !== undefined) delete out[bound];
    }
  }
  if (out.nullable === true && out.type) out.type = [out.type, 'null'].flat();
  delete out.nullable;
  return out;
}

describe('the OpenAPI document', () => {
  let t: TestApp;
  let document: any;
  // What the code is now, derived once (a fresh TypeScript program takes a while).
  let derived: ReturnType<typeof responseSchemas> | undefined;
  const derive = () => (derived ??= responseSchemas(process.cwd()));

  beforeAll(async () => {
    t = await bootApp(CONTEXTS);
    const res = await t.as(null)('GET', '/docs/json');
    expect(res.status).toBe(200);
    document = res.body;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('gives every operation a summary, a success response with its body schema, and a problem+json error', () => {
    const ops = operations(document);
    expect(ops.length).toBeGreaterThan(100);
    const missing: string[] = [];
    for (const { path, method, operation } of ops) {
      const where = `${method.toUpperCase()} ${path}`;
      if (!operation.summary?.trim()) missing.push(`${where}: no summary`);
      const success = Object.entries(operation.responses ?? {}).filter(([status]) => /^2\d\d$/.test(status));
      if (success.length === 0) missing.push(`${where}: no 2xx response`);
      for (const [status, response] of success as [string, any][]) {
        if (status === '204') continue;
        const schema = response.content?.['application/json']?.schema ?? response.content?.['text/plain']?.schema;
        if (!schema || Object.keys(schema).length === 0) missing.push(`${where}: ${status} has no body schema`);
      }
      if (!operation.responses?.default?.content?.['application/problem+json']) missing.push(`${where}: no problem+json error response`);
    }
    expect(missing).toEqual([]);
  });

  // A new parameter needs `.describe(...)` on its zod field, or an entry in PARAMETERS (apps/arrears/src/openapi/document.ts).
  it('describes every parameter', () => {
    const missing = operations(document).flatMap(({ path, method, operation }) =>
      ((operation.parameters ?? []) as { name: string; in: string; description?: string }[])
        .filter((p) => !p.description?.trim())
        .map((p) => `${method.toUpperCase()} ${path}: ${p.in} ${p.name}`),
    );
    expect(missing).toEqual([]);
  });

  // The codes come from the code the controller method reaches (response-types.ts) and the refusals shared by every operation of its kind (document.ts).
  it('lists the problem codes each operation can answer, each under its status, as the code is now', () => {
    const fresh = derive();
    const missing: string[] = [];
    for (const { path, method, operation } of operations(document)) {
      const where = `${method.toUpperCase()} ${path}`;
      const listed: string[] = operation['x-problem-codes'] ?? [];
      // Only a public probe (liveness, metrics) may answer no problem at all.
      if (!listed.length && !/^\/(health|metrics)\b/.test(path)) missing.push(`${where}: no problem codes`);
      for (const entry of listed) {
        const [status, code] = entry.split(' ');
        const response = operation.responses[status];
        if (!response?.content?.['application/problem+json'] || !response.description.includes(`\`${code}\``))
          missing.push(`${where}: ${entry} not under its status`);
      }
      // Nothing the code answers is left out of the document (a stale build would miss some).
      for (const p of fresh[operation.operationId]?.problems ?? [])
        if (!listed.includes(`${p.status} ${p.code}`) && !listed.some((l) => l.endsWith(` ${p.code}`)))
          missing.push(`${where}: ${p.status} ${p.code} not listed`);
    }
    expect(missing).toEqual([]);
    const codes = (path: string, method: string) => document.paths[path][method]['x-problem-codes'] as string[];
    const names = (path: string, method: string) => codes(path, method).map((c) => c.split(' ')[1]);
    // The write-off request: its rules, the case scope its controller checks, the calendar, the token, the body.
    expect(codes('/loans/accounts/{loanId}/write-off', 'post')).toEqual(
      expect.arrayContaining([
        '409 WRITE_OFF_ALREADY_REQUESTED',
        '403 CASE_OUT_OF_SCOPE',
        '401 UNAUTHENTICATED',
        '400 VALIDATION_FAILED',
        '422 IDEMPOTENCY_KEY_REUSED',
      ]),
    );
    expect(names('/loans/accounts/{loanId}/write-off', 'post')).toEqual(expect.arrayContaining(['CALENDAR_NOT_STARTED', 'WRITE_OFF_ROLE_NOT_ALLOWED']));
    // A contact: the contact rules' refusals; a strategy version's approval: four eyes.
    expect(names('/collection/cases/{caseId}/contacts', 'post')).toEqual(expect.arrayContaining(['CONTACT_OUTSIDE_HOURS']));
    expect(names('/collection/strategies/{strategyId}/versions/{version}/approve', 'post')).toEqual(expect.arrayContaining(['MAKER_CANNOT_CHECK']));
    // A read answers no write's refusals.
    expect(codes('/loans/calendar', 'get')).not.toContain('409 REVISION_CONFLICT');
  });

  it('says how to get a token and declares the bearer scheme', () => {
    expect(document.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    expect(document.info.description).toContain('npm run -s cli -- token --role');
    expect(document.info.description).toContain('CALENDAR_NOT_STARTED');
  });

  it('offers worked examples that fit their request schemas', () => {
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    const problems: string[] = [];
    let checked = 0;
    for (const [route, examples] of Object.entries(EXAMPLES)) {
      const [method, path] = route.split(' ');
      const media = document.paths[path]?.[method.toLowerCase()]?.requestBody?.content?.['application/json'];
      if (!media) {
        problems.push(`${route}: no such operation with a JSON body`);
        continue;
      }
      expect(Object.keys(media.examples)).toEqual(Object.keys(examples));
      const validate = ajv.compile(jsonSchema(media.schema));
      for (const [name, value] of Object.entries(examples)) {
        checked++;
        if (!validate(value)) problems.push(`${route} "${name}": ${ajv.errorsText(validate.errors)}`);
      }
    }
    expect(problems).toEqual([]);
    expect(checked).toBe(Object.values(EXAMPLES).reduce((n, e) => n + Object.keys(e).length, 0));
    // The example Swagger UI shows for registering a loan is the realistic one, not a generated one.
    const register = document.paths['/loans/accounts'].post.requestBody.content['application/json'].examples;
    expect(Object.values(register)[0]).toMatchObject({ value: { timeZone: 'Asia/Shanghai', principal: 300_000 } });
  });

  it('derives the response schemas from the controllers’ return types, as the code is now', () => {
    const fresh = derive();
    const documented = Object.fromEntries(
      operations(document)
        .filter(({ operation }) => fresh[operation.operationId])
        .map(({ operation }) => {
          const { status } = fresh[operation.operationId];
          return [
            operation.operationId,
            {
              status,
              schema:
                operation.responses[String(status)]?.content?.['application/json']?.schema ??
                operation.responses[String(status)]?.content?.['text/plain']?.schema ??
                null,
            },
          ];
        }),
    );
    // Every operation of the app is a controller method the generator found (none documented from a stale build).
    expect(
      operations(document)
        .filter(({ operation }) => !fresh[operation.operationId])
        .map(({ operation }) => operation.operationId),
    ).toEqual([]);
    expect(documented).toEqual(Object.fromEntries(Object.keys(documented).map((id) => [id, { status: fresh[id].status, schema: fresh[id].schema }])));
    // e.g. the calendar's state, as its handler returns it
    expect(fresh.BusinessCalendarController_state.schema).toMatchObject({ oneOf: expect.any(Array) });
  });

  /**
   * Every worked example, sent as is to this fresh app in one story (the main flow, then the
   * staff's and the customer's other commands), each after what it needs; each must be accepted.
   * A new example needs its step here.
   */
  it('has every example body accepted as is by a fresh app', async () => {
    const sent = new Set<string>();
    const refused: unknown[] = [];
    /** Sends the example of `route` (its only one, or `name`) to the route with `values` in its path, as `caller`. */
    const send = async (caller: [StaffRole, string?, string?], route: string, values: Record<string, string> = {}, name?: string) => {
      const examples = EXAMPLES[route];
      if (!examples) throw new Error(`no example for ${route}`);
      const chosen = name ?? Object.keys(examples)[0];
      const [method, template] = route.split(' ');
      const path = template.replace(/\{([^}]+)\}/g, (_, key: string) => encodeURIComponent(values[key] ?? `<${key}?>`));
      const res = await t.as(...caller)(method, path, examples[chosen]);
      sent.add(`${route} "${chosen}"`);
      if (res.status < 200 || res.status > 299)
        refused.push({ route, example: chosen, path, status: res.status, code: res.body?.code, detail: res.body?.detail ?? res.body?.errors });
      return res;
    };
    const core: [StaffRole, string] = ['service', 'core-banking'];
    const rm1: [StaffRole, string] = ['risk_manager', 'rm-1'];
    const rm2: [StaffRole, string] = ['risk_manager', 'rm-2'];
    const sup1: [StaffRole, string, string] = ['supervisor', 'sup-1', 'T1'];
    const sup2: [StaffRole, string, string] = ['supervisor', 'sup-2', 'T1'];
    const col1: [StaffRole, string, string] = ['collector', 'col-1', 'T1'];
    const customer: [StaffRole, string] = ['customer', 'CU-000123'];
    const loan = 'LN-20260202-0001';
    const caseId = `${loan}-E1`;
    const strategy = { strategyId: 'std-C-M1' };
    const registered = Object.values(EXAMPLES['POST /loans/accounts'])[0] as Record<string, unknown>;

    // The main flow (docs/quickstart.md), with a second collector and two more loans of the same customer.
    await send(core, 'POST /loans/calendar');
    await clocksAt(t, '2026-03-02');
    await send(rm1, 'POST /collection/strategies');
    await send(rm2, 'POST /collection/strategies/{strategyId}/versions/{version}/approve', { ...strategy, version: '1' });
    await send(rm2, 'POST /collection/strategies/{strategyId}/versions/{version}/activate', { ...strategy, version: '1' });
    // A grading policy in force (the shipped template), so the customer has a published grade.
    const template = await t.as(...rm1)('GET', '/grading/policies/template');
    expect(
      (await t.as(...rm1)('POST', '/grading/policies', { policyId: 'scorecard', document: template.body.document, reason: 'the shipped template' })).status,
    ).toBe(201);
    expect((await t.as(...rm2)('POST', '/grading/policies/scorecard/approve', { version: 1 })).status).toBe(202);
    expect((await t.as(...rm2)('POST', '/grading/policies/scorecard/activate', { effectiveFrom: '2026-03-02' })).status).toBe(202);
    for (const collectorId of ['col-1', 'col-2']) {
      if (collectorId === 'col-1') await send(sup1, 'POST /collection/collectors');
      else
        expect(
          (await t.as(...sup1)('POST', '/collection/collectors', { ...(Object.values(EXAMPLES['POST /collection/collectors'])[0] as object), collectorId }))
            .status,
        ).toBe(201);
      await send(sup1, 'POST /collection/collectors/{collectorId}/trainings', { collectorId });
      await send(sup1, 'POST /collection/collectors/{collectorId}/certifications', { collectorId });
    }
    await send(core, 'POST /loans/accounts');
    for (const other of ['LN-20260202-0002', 'LN-20260202-0003'])
      expect((await t.as(...core)('POST', '/loans/accounts', { ...registered, loanId: other })).status).toBe(201);
    expect(refused).toEqual([]);
    await send(core, 'POST /loans/calendar/close');
    await eventually(
      async () => ((await t.as(...core)('GET', '/loans/calendar/days/2026-03-02')).body?.status === 'completed' ? true : undefined),
      20_000,
      'end of day 2026-03-02',
    );
    for (const day of ['2026-03-03', '2026-03-04']) await closeBusinessDay(t.as(...core), day);
    await clocksAt(t, '2026-03-05');
    for (const id of [caseId, 'LN-20260202-0002-E1', 'LN-20260202-0003-E1']) {
      await eventually(async () => ((await t.as(...sup1)('GET', `/collection/cases/${id}`)).body?.collectorId ? true : undefined), 30_000, `${id} assigned`);
    }

    // The staff's other commands on the open case.
    await send(core, 'PUT /customers/{customerId}/personal-data', { customerId: 'CU-000123' });
    await send(col1, 'POST /collection/cases/{caseId}/contacts', { caseId });
    await send(col1, 'POST /collection/cases/{caseId}/field-visits', { caseId });
    await send(sup1, 'POST /collection/cases/{caseId}/field-visits/{visitId}/approve', { caseId, visitId: 'fv-1' });
    await send(sup1, 'POST /collection/cases/{caseId}/reassign', { caseId });
    await send(sup2, 'POST /loans/accounts/{loanId}/write-off', { loanId: loan });
    await send(sup1, 'POST /loans/accounts/{loanId}/write-off/{requestId}/rejection', { loanId: loan, requestId: 'wo-1' });
    await send(sup2, 'POST /loans/accounts/{loanId}/settlements', { loanId: loan });
    await send(sup1, 'POST /loans/accounts/{loanId}/settlements/{settlementId}/rejection', { loanId: loan, settlementId: 'st-1' });
    expect(
      (
        await t.as(...rm1)('POST', '/collection/strategies', {
          ...(Object.values(EXAMPLES['POST /collection/strategies'])[0] as object),
          reason: 'a second version',
        })
      ).status,
    ).toBe(201);
    await send(rm2, 'POST /collection/strategies/{strategyId}/versions/{version}/reject', { ...strategy, version: '2' });
    // A collection agency: its contract under maker-checker, a placement of the case and its recall.
    await send(rm1, 'POST /agencies');
    await send(rm2, 'POST /agencies/{agencyId}/approval', { agencyId: 'ag-hd' });
    await send(rm1, 'POST /agencies/{agencyId}/contract-amendments', { agencyId: 'ag-hd' });
    await send(rm2, 'POST /agencies/{agencyId}/contract-amendments/approval', { agencyId: 'ag-hd' });
    await send(sup1, 'POST /agencies/{agencyId}/agents/{agentId}/certifications', { agencyId: 'ag-hd', agentId: 'hd-017' });
    await send(sup1, 'POST /agencies/placements');
    await send(sup1, 'POST /agencies/placements/{caseId}/recall', { caseId });
    await send(core, 'POST /loans/accounts/{loanId}/payments', { loanId: loan });
    expect(refused).toEqual([]);

    // The complaints register: raised by staff, handled outside the collection team.
    const complaint = await send(sup1, 'POST /complaints');
    const complaintId = complaint.body?.complaintId;
    await send(rm1, 'POST /complaints/{complaintId}/acknowledgement', { complaintId });
    await send(rm1, 'POST /complaints/{complaintId}/investigation', { complaintId });
    await send(rm1, 'POST /complaints/{complaintId}/deadline-extension', { complaintId });
    await send(rm1, 'POST /complaints/{complaintId}/resolution', { complaintId });

    // The customer in the bank's app: a promise on the second loan, a restructuring of the third, preferences, a dispute.
    await send(customer, 'POST /self-service/loans/{loanId}/promises', { loanId: 'LN-20260202-0002' });
    const filed = await send(customer, 'POST /self-service/loans/{loanId}/restructuring-requests', { loanId: 'LN-20260202-0003' });
    const requestId = filed.body?.requestId;
    const status = (wanted: string) =>
      eventually(
        async () => ((await t.as(...customer)('GET', `/self-service/restructuring-requests/${requestId}`)).body?.status === wanted ? true : undefined),
        20_000,
        `request ${wanted}`,
      );
    if (requestId) {
      await status('Requested');
      await send(col1, 'POST /restructuring/requests/{requestId}/assessment', { requestId });
      await status('Assessed');
      await send(sup1, 'POST /restructuring/requests/{requestId}/approvals', { requestId });
      await send(sup1, 'POST /restructuring/requests/{requestId}/offer', { requestId });
      await status('Offered');
      await send(customer, 'POST /self-service/restructuring-requests/{requestId}/acceptance', { requestId });
    }
    for (const route of Object.keys(EXAMPLES).filter((r) => r.startsWith('POST /self-service/contact-preferences/'))) await send(customer, route);
    await send(customer, 'POST /self-service/complaints');

    expect(refused).toEqual([]);
    const all = Object.entries(EXAMPLES).flatMap(([route, examples]) => Object.keys(examples).map((name) => `${route} "${name}"`));
    expect(all.filter((e) => !sent.has(e))).toEqual([]);
  }, 180_000);
});
