import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { EXAMPLES } from './examples.js';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

type Json = Record<string, any>;

const DESCRIPTION = `Consumer-loan collection: loans, grading, collection, restructuring, monitoring, audit.

**Getting a token.** Every route but health, metrics and these docs needs \`Authorization: Bearer <token>\`, a JWT whose \`role\` claim is one of \`collector\`, \`supervisor\`, \`risk_manager\`, \`auditor\`, \`admin\`, \`service\` (core banking and channel executors), with \`sub\` the user id recorded on events and optionally \`team\`. On the embedded default (\`npm start\`, no \`JWKS_URL\`) mint one with the CLI:

    npm run -s cli -- token --role service --user core-banking
    npm run -s cli -- token --role collector --user col-1 --team T1

and paste it under **Authorize**. In production tokens come from the bank's identity provider (\`JWKS_URL\`, \`JWT_ISSUER\`, \`JWT_AUDIENCE\`).

**First steps.** Nothing that needs a business date works before Loans' business calendar is started: until then such requests answer 409 \`CALENDAR_NOT_STARTED\`. Start it once (\`POST /loans/calendar\`, service or admin), register loans, and close business days (\`POST /loans/calendar/close\`); an end of day runs in the background, and \`GET /loans/calendar/days/{businessDate}\` says when it has \`completed\`. docs/quickstart.md walks through the whole flow with curl.

**Conventions.** Money is integer fen (1 yuan = 100 fen); dates are ISO \`YYYY-MM-DD\` business dates; instants ISO-8601 with an offset. Commands answer 201/202 with the stream and revision they wrote; send \`Idempotency-Key\` to make a retry safe (a repeat answers the first result with \`duplicate: true\`). Errors are RFC 9457 \`application/problem+json\` with a stable \`code\`. Requests are rate-limited per token subject: 429 \`RATE_LIMITED\` with \`retry-after\`.`;

/** What each path or query parameter means, by name; `<path>#<name>` where one name means different things. */
const PARAMETERS: Record<string, string> = {
  agencyId: 'a collection agency id (the `sub` of the agency’s token, e.g. ag-hd)',
  agentId: 'the id of one of the agency’s collectors, as the agency names them (no personal data)',
  businessDate: 'a business date, YYYY-MM-DD',
  caseId: 'a collection case id: `<loanId>-E<n>`, the n-th delinquency episode of the loan (e.g. LN-20260302-0001-E1)',
  collectorId: 'a collector id (the `sub` of the collector’s token, e.g. col-1)',
  customerId: 'a customer id as core banking knows it (no personal data; e.g. CU-000123)',
  loanId: 'a loan id as core banking knows it (e.g. LN-20260302-0001)',
  date: 'a business date, YYYY-MM-DD',
  day: 'a UTC calendar day, YYYY-MM-DD, that has ended',
  eventId: 'an event id (the `eventId` in an event’s metadata, as listed by /audit/history)',
  exceptionId: 'the id of a third-party contact exception of the debtor',
  holdId: 'the id of a hold on the case (from the hold’s response or the case timeline)',
  id: 'the id of the document (policy or rule set) as proposed',
  name: 'a projection or reactor name, as listed by GET /admin/projections',
  reference: 'the core-banking transaction reference the payment was recorded with',
  requestId: 'a restructuring request id (from the filing’s response or the request list)',
  reviewId: 'an effectiveness review id (from GET /monitoring/reviews)',
  settlementId: 'a settlement offer id on the loan (as given when the offer was proposed)',
  rulesVersion: 'a contact rules version, as proposed (e.g. BANK-2026.2; GET /collection/contact-rules lists the proposals)',
  runId: 'a grading run id (from POST /grading/runs or GET /grading/runs)',
  strategyId: 'a collection strategy id (e.g. std-C-M1)',
  streamId: 'an event stream id, `<context>.<aggregate>-<id>` (e.g. loans.loan-LN-20260302-0001)',
  team: 'a collection team id (the `team` claim of its supervisors’ and collectors’ tokens, e.g. T1)',
  version: 'a version number (1, 2, …)',
  visitId: 'a field visit id (as given when the visit was requested)',
  kpi: 'a KPI name, as listed by GET /monitoring/kpis',
  activatedFrom: 'only plans activated on or after this business date',
  activatedTo: 'only plans activated on or before this business date',
  actorId: 'only queries made by this user (the token subject)',
  asOf: 'the business date to evaluate on (default: the open business date)',
  at: 'the state as of this recorded instant (ISO-8601)',
  category: 'only loans in this five-category classification',
  channel: 'only this contact channel',
  from: 'from this business date, inclusive',
  to: 'to this business date, inclusive',
  grade: 'only this grade',
  granularity: 'one point per day or per month',
  limit: 'at most this many items',
  page: 'page number, from 1',
  pageSize: 'items per page',
  position: 'the state as of this global position of the event store (`commit/prepare`, as events show it)',
  productCode: 'only loans of this product',
  purpose: 'why clear personal data is needed (recorded in the access log); without it the data is masked',
  queue: 'only cases in this work queue (`<grade>:<stage>`, e.g. C:M1)',
  recommendation: 'only reviews with this recommendation',
  severity: 'only warnings of this severity',
  stage: 'only this delinquency stage (M0 … M6+)',
  status: 'only items in this status',
  strategyVersion: 'only this version of the strategy',
  streamPrefix: 'only streams whose id starts with this (e.g. collection.case-)',
  trigger: 'only reviews started this way (on demand or by the schedule)',
  type: 'only requests of this type',
  unassigned: 'only cases no collector has (true) or only assigned ones (false)',
  variant: 'only this champion/challenger arm',
  dpdMin: 'only loans at least this many days past due',
  dpdMax: 'only loans at most this many days past due',
  '/audit/history#customerId': 'the whole story of this customer across every context',
  '/audit/history#loanId': 'the whole story of this loan across every context',
  '/audit/history#streamId': 'the events of this one stream',
  '/collection/cases#team': 'only cases of this team (a supervisor sees their own team)',
  '/collection/cases#strategyId': 'only cases following this strategy',
  '/collection/cases/{caseId}/what-if#strategyId': 'the strategy to replay the case under',
  '/collection/cases/{caseId}/what-if#version': 'the version of that strategy (proposed ones too)',
  '/grading/policies/{id}/preview#version': 'the version to preview (default: the latest)',
  '/monitoring/kpis/{kpi}#strategyId': 'only cases of this strategy',
  format: 'the answer’s format: json (default) or csv',
  complaintId: 'a complaint or dispute id (from its filing’s response or the complaints list)',
  '/complaints#kind': 'only disputes (the debt is contested) or only complaints (about how the bank or its agents acted)',
  '/monitoring/restatements#kind': 'only restatements of this kind of figure (stage spells, case cures, promise outcomes)',
};

/** The RFC 9457 body of every error answer. */
const PROBLEM: Json = {
  type: 'object',
  description: 'RFC 9457 problem details; `code` is stable and is what a client should branch on.',
  properties: {
    type: { type: 'string', example: 'https://arrears.dev/problems/validation-failed' },
    title: { type: 'string', example: 'Validation failed' },
    status: { type: 'integer', example: 400 },
    code: { type: 'string', example: 'VALIDATION_FAILED', description: 'stable error code (README, Errors)' },
    detail: { type: 'string' },
    instance: { type: 'string', description: 'the request path' },
    correlationId: { type: 'string', description: 'the request’s correlation id (X-Correlation-Id)' },
    errors: {
      type: 'array',
      description: 'VALIDATION_FAILED: the fields at fault',
      items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } }, required: ['path', 'message'] },
    },
    details: { type: 'object', additionalProperties: true, description: 'a business rule’s facts (e.g. the limit it hit)' },
  },
  required: ['type', 'title', 'status', 'code'],
};

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

type ResponseSchemas = Record<string, { status: number; schema: Json | null; problems?: readonly { status: number; code: string }[] }>;

/** Operations anyone may call (no token): they answer none of the token's refusals. */
const PUBLIC = /^\/(health|metrics)\b/;

/**
 * The refusals every operation of a kind shares, which no controller states: the token and the
 * route × role matrix, the rate limit, the validation of parameters and bodies, the JSON body
 * parser, the Idempotency-Key of a POST, and an append that lost a race for its stream.
 */
function sharedProblems(path: string, method: string, operation: Json): { status: number; code: string }[] {
  const out: { status: number; code: string }[] = [];
  if (!PUBLIC.test(path)) out.push({ status: 401, code: 'UNAUTHENTICATED' }, { status: 403, code: 'FORBIDDEN' }, { status: 429, code: 'RATE_LIMITED' });
  if ((operation.parameters ?? []).length || operation.requestBody) out.push({ status: 400, code: 'VALIDATION_FAILED' });
  if (operation.requestBody)
    out.push({ status: 400, code: 'MALFORMED_REQUEST' }, { status: 413, code: 'PAYLOAD_TOO_LARGE' }, { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
  if (method === 'post')
    out.push({ status: 400, code: 'BAD_IDEMPOTENCY_KEY' }, { status: 409, code: 'IDEMPOTENCY_KEY_IN_FLIGHT' }, { status: 422, code: 'IDEMPOTENCY_KEY_REUSED' });
  if (method !== 'get') out.push({ status: 409, code: 'REVISION_CONFLICT' });
  return out;
}

/** A problem body as the API answers it, for Swagger UI's examples. */
function problemExample(status: number, code: string): Json {
  const words = code.toLowerCase().replaceAll('_', ' ');
  return {
    type: `https://arrears.dev/problems/${code.toLowerCase().replaceAll('_', '-')}`,
    title: words.charAt(0).toUpperCase() + words.slice(1),
    status,
    code,
  };
}

const REASONS: Record<number, string> = {
  400: 'Bad request',
  401: 'No valid token',
  403: 'Forbidden',
  404: 'Not found',
  409: 'Conflict',
  413: 'Body too large',
  415: 'Not JSON',
  422: 'Refused by a rule',
  429: 'Rate limited',
  503: 'Unavailable',
};

/**
 * The response schemas the build derived from the controllers' return types (response-types.ts),
 * in `dist/openapi-responses.json` of the package (found from this file, compiled or not).
 */
function builtResponseSchemas(): ResponseSchemas {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dirname(dir) !== dir; dir = dirname(dir)) {
    if (!existsSync(join(dir, 'package.json'))) continue;
    const file = join(dir, 'dist', 'openapi-responses.json');
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as ResponseSchemas) : {};
  }
  return {};
}

/** Every operation of the document with its path and method. */
export function operations(document: OpenAPIObject): { path: string; method: string; operation: Json }[] {
  const out: { path: string; method: string; operation: Json }[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = (item as Json)[method];
      if (operation) out.push({ path, method, operation });
    }
  }
  return out;
}

/**
 * Completes what @nestjs/swagger builds from the decorators: each operation's success response
 * gets the schema of its controller method's return type (derived by the build, response-types.ts), every error the
 * problem+json schema, each parameter its meaning, and request bodies their worked examples.
 */
export function completeDocument(document: OpenAPIObject, responses: ResponseSchemas = builtResponseSchemas()): OpenAPIObject {
  document.components = { ...document.components, schemas: { ...document.components?.schemas, Problem: PROBLEM } };
  for (const { path, method, operation } of operations(document)) {
    const generated = responses[operation.operationId as string];
    operation.responses ??= {};
    if (generated) {
      const status = String(generated.status);
      const existing = operation.responses[status] ?? { description: '' };
      if (generated.schema && !existing.content) existing.content = { 'application/json': { schema: generated.schema } };
      existing.description ||= generated.schema ? 'Success' : 'Success, no body';
      operation.responses[status] = existing;
    }
    // Each problem the operation can answer, under its status: `x-problem-codes` lists them all.
    const problems = [...(generated?.problems ?? []), ...sharedProblems(path, method, operation)].filter(
      (p, i, all) => all.findIndex((q) => q.code === p.code) === i,
    );
    operation['x-problem-codes'] = problems.map((p) => `${p.status} ${p.code}`);
    for (const status of [...new Set(problems.map((p) => p.status))].sort()) {
      const codes = problems
        .filter((p) => p.status === status)
        .map((p) => p.code)
        .sort();
      operation.responses[String(status)] ??= {
        description: `${REASONS[status] ?? 'Refused'}: ${codes.map((c) => `\`${c}\``).join(', ')}`,
        content: {
          'application/problem+json': {
            schema: { $ref: '#/components/schemas/Problem' },
            examples: Object.fromEntries(codes.map((code) => [code, { value: problemExample(status, code) }])),
          },
        },
      };
    }
    operation.responses.default ??= {
      description: 'An error: problem+json with a stable `code` (400 VALIDATION_FAILED, 401, 403, 404, 409, 415, 422, 429 …)',
      content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
    };
    for (const parameter of (operation.parameters ?? []) as Json[]) {
      parameter.description ||= parameter.schema?.description ?? PARAMETERS[`${path}#${parameter.name}`] ?? PARAMETERS[parameter.name];
    }
    const example = EXAMPLES[`${method.toUpperCase()} ${path}`];
    const media = operation.requestBody?.content?.['application/json'];
    if (example && media) media.examples = Object.fromEntries(Object.entries(example).map(([name, value]) => [name, { summary: name, value }]));
  }
  return document;
}

/** The OpenAPI document of the running app, served at /docs (Swagger UI) and /docs/json. */
export function openApiDocument(app: INestApplication): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Arrears')
      .setDescription(DESCRIPTION)
      .setVersion('1')
      .addBearerAuth({
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description:
          'A JWT with `sub`, `role` and optionally `team`; on the embedded default: `npm run -s cli -- token --role <role> --user <id> [--team <team>]`.',
      })
      .build(),
  );
  return completeDocument(document);
}
