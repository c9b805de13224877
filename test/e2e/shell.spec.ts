import { bootApp, eventually, type TestApp } from '#test-support/app.js';
import { tallyContext } from '#test-support/tally/tally.js';

async function streamEvents(t: TestApp, streamId: string): Promise<string[]> {
  return (await t.runtime.store.readStream(streamId)).map((e) => e.type);
}

describe('app shell over HTTP', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await bootApp([tallyContext], { IDEMPOTENCY_WAIT_MS: '1500' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('accepts a command, makes it durable before answering, and projects it', async () => {
    const res = await t.request('POST', '/tallies', { tallyId: 'ok-1', limit: 10_000 });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ streamId: 'tally.tally-ok-1', revision: 0, events: ['TallyOpened'], duplicate: false });
    expect(await streamEvents(t, 'tally.tally-ok-1')).toEqual(['TallyOpened']);
    const add = await t.request('POST', '/tallies/ok-1/amounts', { amount: 2_500 });
    expect(add.status).toBe(202);
    const view = await eventually(async () => {
      const r = await t.request('GET', '/tallies/ok-1');
      return r.status === 200 && r.body.total === 2_500 ? r.body : undefined;
    });
    expect(view).toEqual({ tallyId: 'ok-1', total: 2_500, additions: 1 });
  });

  it.each([
    ['an unknown field', { tallyId: 'bad-1', limit: 100, extra: true }, 'extra'],
    ['a wrong type', { tallyId: 'bad-2', limit: '100' }, 'limit'],
    ['a fractional amount of fen', { tallyId: 'bad-3', limit: 100.5 }, 'limit'],
    ['a missing field', { tallyId: 'bad-4' }, 'limit'],
    ['a negative amount', { tallyId: 'bad-5', limit: -1 }, 'limit'],
  ])('rejects %s with 400 problem+json and appends nothing', async (_what, body, field) => {
    const res = await t.request('POST', '/tallies', body);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(JSON.stringify(res.body.errors)).toContain(field);
    expect(await streamEvents(t, `tally.tally-${(body as { tallyId: string }).tallyId}`)).toEqual([]);
  });

  it('rejects malformed JSON and non-JSON bodies with problem+json', async () => {
    const malformed = await t.request('POST', '/tallies', '{"tallyId": ', { 'content-type': 'application/json' });
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get('content-type')).toContain('application/problem+json');
    expect(malformed.body.code).toBe('MALFORMED_REQUEST');
    const text = await t.request('POST', '/tallies', 'tallyId=x', { 'content-type': 'text/plain' });
    expect(text.status).toBe(415);
    expect(text.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const huge = await t.request('POST', '/tallies', { tallyId: 'big', limit: 1, pad: 'x'.repeat(1_100_000) });
    expect(huge.status).toBe(413);
    expect(huge.headers.get('content-type')).toContain('application/problem+json');
    expect(huge.body.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('answers a domain rule violation with 422 and its code, appending nothing', async () => {
    await t.request('POST', '/tallies', { tallyId: 'rule-1', limit: 100 });
    const res = await t.request('POST', '/tallies/rule-1/amounts', { amount: 101 });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 'TALLY_LIMIT_EXCEEDED', status: 422, details: { total: 0, limit: 100 } });
    expect(await streamEvents(t, 'tally.tally-rule-1')).toEqual(['TallyOpened']);
  });

  it('answers unknown aggregates and routes with 404 problem+json', async () => {
    const res = await t.request('POST', '/tallies/missing/amounts', { amount: 1 });
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('TALLY_NOT_FOUND');
    const route = await t.request('GET', '/no/such/route');
    expect(route.status).toBe(404);
    expect(route.body.code).toBe('NOT_FOUND');
  });

  it('answers a stale If-Match with 409 REVISION_CONFLICT and the current revision', async () => {
    await t.request('POST', '/tallies', { tallyId: 'rev-1', limit: 1_000 });
    await t.request('POST', '/tallies/rev-1/amounts', { amount: 1 });
    const res = await t.request('POST', '/tallies/rev-1/amounts', { amount: 1 }, { 'if-match': '0' });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'REVISION_CONFLICT', currentRevision: 1 });
    expect(await streamEvents(t, 'tally.tally-rev-1')).toEqual(['TallyOpened', 'AmountAdded']);
  });

  it('runs a command once per Idempotency-Key and returns the first result to a repeat', async () => {
    await t.request('POST', '/tallies', { tallyId: 'idem-1', limit: 1_000 });
    const first = await t.request('POST', '/tallies/idem-1/amounts', { amount: 5 }, { 'idempotency-key': 'pay-77' });
    const again = await t.request('POST', '/tallies/idem-1/amounts', { amount: 5 }, { 'idempotency-key': 'pay-77' });
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(first.body.duplicate).toBe(false);
    expect(again.body).toEqual({ ...first.body, duplicate: true });
    expect(again.headers.get('idempotent-replay')).toBe('true');
    expect(await streamEvents(t, 'tally.tally-idem-1')).toEqual(['TallyOpened', 'AmountAdded']);
  });

  it('refuses an Idempotency-Key reused for a different request with 422', async () => {
    await t.request('POST', '/tallies', { tallyId: 'idem-2', limit: 1_000 });
    expect((await t.request('POST', '/tallies/idem-2/amounts', { amount: 5 }, { 'idempotency-key': 'pay-78' })).status).toBe(202);
    const other = await t.request('POST', '/tallies/idem-2/amounts', { amount: 6 }, { 'idempotency-key': 'pay-78' });
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await streamEvents(t, 'tally.tally-idem-2')).toEqual(['TallyOpened', 'AmountAdded']);
  });

  it('keeps keys per caller: the same key from another user is a new command with its own effect', async () => {
    await t.request('POST', '/tallies', { tallyId: 'idem-3', limit: 1_000 });
    const asA = t.as('service', 'svc-a');
    const asB = t.as('service', 'svc-b');
    expect((await asA('POST', '/tallies/idem-3/amounts', { amount: 1 }, { 'idempotency-key': 'same' })).status).toBe(202);
    const b = await asB('POST', '/tallies/idem-3/amounts', { amount: 1 }, { 'idempotency-key': 'same' });
    expect(b.status).toBe(202);
    expect(b.headers.get('idempotent-replay')).toBeNull();
    expect(b.body.duplicate).toBe(false);
    // Ten principals on one key: ten payments, each on record under its sender's scoped key.
    // (One after another: concurrent appends to one stream may exhaust the store's conflict retries.)
    const others = [];
    for (let i = 0; i < 8; i++) others.push(await t.as('service', `svc-${i}`)('POST', '/tallies/idem-3/amounts', { amount: 1 }, { 'idempotency-key': 'same' }));
    expect(others.map((r) => [r.status, r.body.code])).toEqual(Array(8).fill([202, undefined]));
    const events = (await t.runtime.store.readStream('tally.tally-idem-3')).filter((e) => e.type === 'AmountAdded');
    expect(events).toHaveLength(10);
    expect(new Set(events.map((e) => e.metadata.idempotencyKey)).size).toBe(10);
    expect(events[0].metadata.idempotencyKey).toBe('svc-a:same');
  });

  it('takes a key atomically: concurrent repeats of one request give one effect', async () => {
    await t.request('POST', '/tallies', { tallyId: 'idem-4', limit: 1_000_000 });
    const send = () => t.request('POST', '/tallies/idem-4/amounts', { amount: 3 }, { 'idempotency-key': 'burst-1' });
    const answers = await Promise.all(Array.from({ length: 30 }, send));
    // Each repeat waits for the first and gets its answer (or, after IDEMPOTENCY_WAIT_MS, a 409).
    for (const a of answers) expect([202, 409]).toContain(a.status);
    const fresh = answers.filter((a) => a.status === 202 && a.body.duplicate === false);
    expect(fresh).toHaveLength(1);
    for (const a of answers.filter((x) => x.status === 202 && x !== fresh[0])) {
      expect(a.body).toEqual({ ...fresh[0].body, duplicate: true });
    }
    for (const a of answers.filter((x) => x.status === 409)) expect(a.body.code).toBe('IDEMPOTENCY_KEY_IN_FLIGHT');
    expect(await streamEvents(t, 'tally.tally-idem-4')).toEqual(['TallyOpened', 'AmountAdded']);
  });

  it('refuses different bodies under one key with 422 in every interleaving: one is stored', async () => {
    await t.request('POST', '/tallies', { tallyId: 'idem-5', limit: 1_000_000 });
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => t.request('POST', '/tallies/idem-5/amounts', { amount: i + 1 }, { 'idempotency-key': 'burst-2' })),
    );
    const ok = answers.filter((a) => a.status === 202);
    expect(ok).toHaveLength(1);
    const refused = answers.filter((a) => a.status !== 202);
    expect(refused.map((a) => [a.status, a.body.code])).toEqual(Array(29).fill([422, 'IDEMPOTENCY_KEY_REUSED']));
    const added = (await t.runtime.store.readStream('tally.tally-idem-5')).filter((e) => e.type === 'AmountAdded');
    expect(added).toHaveLength(1);
    expect(added[0].data).toMatchObject({ amount: answers.indexOf(ok[0]) + 1 });
  });

  it('answers 409 IDEMPOTENCY_KEY_IN_FLIGHT while the first still holds its key, and gives a failed first key back', async () => {
    await t.request('POST', '/tallies', { tallyId: 'idem-6', limit: 10 });
    // A first request that is still running, as another replica would leave it mid-command.
    await t.runtime.pool.query(
      `INSERT INTO http_idempotency (principal, method, path, key, body_hash, state, owner, lease_until)
       SELECT 'admin-1', 'POST', '/tallies/idem-6/amounts', 'held', body_hash, 'in_flight', gen_random_uuid(), now() + interval '1 hour'
         FROM (SELECT encode(sha256(convert_to('{"amount":1}', 'UTF8')), 'hex') AS body_hash) h`,
    );
    const held = await t.request('POST', '/tallies/idem-6/amounts', { amount: 1 }, { 'idempotency-key': 'held' });
    expect([held.status, held.body.code]).toEqual([409, 'IDEMPOTENCY_KEY_IN_FLIGHT']);
    expect(await streamEvents(t, 'tally.tally-idem-6')).toEqual(['TallyOpened']);
    // A refused first does not keep the key: the corrected request under it runs.
    expect((await t.request('POST', '/tallies/idem-6/amounts', { amount: 11 }, { 'idempotency-key': 'retry-me' })).status).toBe(422);
    expect((await t.request('POST', '/tallies/idem-6/amounts', { amount: 11 }, { 'idempotency-key': 'retry-me' })).status).toBe(422);
    const after = await t.runtime.pool.query(`SELECT count(*)::int AS n FROM http_idempotency WHERE key = 'retry-me'`);
    expect(after.rows[0].n).toBe(0);
  });

  it('carries the caller correlation id into the response and the event metadata', async () => {
    const res = await t.request('POST', '/tallies', { tallyId: 'corr-1', limit: 5 }, { 'x-correlation-id': 'corr-abc-123' });
    expect(res.headers.get('x-correlation-id')).toBe('corr-abc-123');
    const [event] = await t.runtime.store.readStream('tally.tally-corr-1');
    expect(event.metadata).toMatchObject({ correlationId: 'corr-abc-123', command: 'OpenTally' });
  });

  it('halts a projection on a poison event, reports it in readiness, and resumes after skip', async () => {
    await t.request('POST', '/tallies', { tallyId: 'poison-1', limit: 1_000 });
    expect((await t.request('POST', '/tallies/poison-1/amounts', { amount: 13 })).status).toBe(202);
    const ready = await eventually(async () => {
      const r = await t.request('GET', '/health/ready');
      return r.status === 503 ? r : undefined;
    });
    expect(ready.body).toMatchObject({ code: 'NOT_READY', failing: ['projections'] });
    expect(ready.body.checks.projections.halted[0]).toMatchObject({ name: 'tally_totals' });
    const letters = await t.runtime.pool.query(`SELECT event_type, status FROM projection_dead_letters WHERE projection = 'tally_totals'`);
    expect(letters.rows).toEqual([{ event_type: 'AmountAdded', status: 'open' }]);

    // Events after the poison wait; nothing past it is applied while halted.
    await t.request('POST', '/tallies/poison-1/amounts', { amount: 7 });
    const skipped = await t.request('POST', '/admin/projections/tally_totals/skip');
    expect(skipped.status).toBe(200);
    const view = await eventually(async () => {
      const r = await t.request('GET', '/tallies/poison-1');
      return r.status === 200 && r.body.total === 7 ? r.body : undefined;
    });
    expect(view.additions).toBe(1);
    // Readiness answers from checks run every second in the background.
    await eventually(async () => ((await t.request('GET', '/health/ready')).status === 200 ? true : undefined), 5_000, 'ready again');
    const after = await t.runtime.pool.query(`SELECT status FROM projection_dead_letters WHERE projection = 'tally_totals'`);
    expect(after.rows).toEqual([{ status: 'skipped' }]);
  });

  it('exposes command latency, appends and projection lag as Prometheus metrics', async () => {
    const res = await t.request('GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.body).toMatch(/arrears_command_duration_seconds_count\{command="OpenTally",outcome="accepted"\} \d+/);
    expect(res.body).toMatch(/arrears_events_appended_total\{category="tally.tally"\} \d+/);
    expect(res.body).toMatch(/arrears_projection_lag_positions\{projection="tally_totals"\} \d+/);
  });

  it('documents its routes in OpenAPI at /docs/json, with request schemas', async () => {
    const res = await t.request('GET', '/docs/json');
    expect(res.status).toBe(200);
    const op = res.body.paths['/tallies'].post;
    expect(op.requestBody.content['application/json'].schema.properties.limit.type).toBe('integer');
    expect(res.body.paths['/health/ready']).toBeDefined();
  });

  it('verifies a read model against a scratch rebuild and reports a tampered row', async () => {
    const clean = await t.request('POST', '/admin/projections/tally_totals/verify');
    expect(clean.status).toBe(200);
    expect(clean.body).toMatchObject({ projection: 'tally_totals', ok: true, tables: [{ table: 'rm_tally_totals', differences: 0 }] });
    await t.runtime.pool.query(`UPDATE rm_tally_totals SET total = total + 1 WHERE tally_id = 'ok-1'`);
    const tampered = await t.request('POST', '/admin/projections/tally_totals/verify');
    expect(tampered.body.ok).toBe(false);
    expect(tampered.body.tables[0].differences).toBe(2);
    expect(tampered.body.tables[0].sample).toEqual(
      expect.arrayContaining([
        { side: 'live_only', row: expect.objectContaining({ tally_id: 'ok-1', total: 2_501 }) },
        { side: 'rebuilt_only', row: expect.objectContaining({ tally_id: 'ok-1', total: 2_500 }) },
      ]),
    );
    await t.runtime.pool.query(`UPDATE rm_tally_totals SET total = total - 1 WHERE tally_id = 'ok-1'`);
    const tables = await t.runtime.pool.query(`SELECT count(*)::int AS n FROM pg_tables WHERE tablename LIKE 'rm_tally_totals__g%'`);
    expect(tables.rows[0].n).toBe(1);
  });

  it('rebuilds a read model blue/green and serves the same rows afterwards', async () => {
    const before = await t.runtime.pool.query('SELECT * FROM rm_tally_totals ORDER BY tally_id');
    const rebuilt = await t.request('POST', '/admin/projections/tally_totals/rebuild');
    expect(rebuilt.status).toBe(200);
    expect(rebuilt.body.generation).toBeGreaterThan(1);
    const after = await t.runtime.pool.query('SELECT * FROM rm_tally_totals ORDER BY tally_id');
    // The operator's skip of the poison event holds in the rebuild too.
    expect(after.rows).toEqual(before.rows);
    expect(after.rows.find((r) => r.tally_id === 'poison-1')).toMatchObject({ total: 7, additions: 1 });
  });
});
