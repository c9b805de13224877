import { Ajv } from 'ajv';
import { CONTEXTS } from '../../apps/arrears/src/contexts.js';
import { operations } from '../../apps/arrears/src/openapi/document.js';
import { EXAMPLES } from '../../apps/arrears/src/openapi/examples.js';
import { responseSchemas } from '../../apps/arrears/src/openapi/response-types.js';
import { bootApp, type TestApp } from '#test-support/app.js';

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
  for (const [flag, bound] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']] as const) {
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
    const fresh = responseSchemas(process.cwd());
    const documented = Object.fromEntries(
      operations(document)
        .filter(({ operation }) => fresh[operation.operationId])
        .map(({ operation }) => {
          const { status } = fresh[operation.operationId];
          return [operation.operationId, { status, schema: operation.responses[String(status)]?.content?.['application/json']?.schema ?? operation.responses[String(status)]?.content?.['text/plain']?.schema ?? null }];
        }),
    );
    // Every operation of the app is a controller method the generator found (none documented from a stale build).
    expect(operations(document).filter(({ operation }) => !fresh[operation.operationId]).map(({ operation }) => operation.operationId)).toEqual([]);
    expect(documented).toEqual(Object.fromEntries(Object.keys(documented).map((id) => [id, fresh[id]])));
    // e.g. the calendar's state, as its handler returns it
    expect(fresh.BusinessCalendarController_state.schema).toMatchObject({ oneOf: expect.any(Array) });
  });
});
