import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { auditContext, auditHash } from '#audit';
import { bootApp, eventually, TEST_STORE, type TestApp } from '#test-support/app.js';
import { tamperWithEvent } from '#test-support/store.js';
import { tallyContext } from '#test-support/tally/tally.js';

describe(`audit on ${TEST_STORE}: history, state as of, explain, tamper evidence`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp([tallyContext, auditContext]);
    await t.request('POST', '/tallies', { tallyId: 'a1', limit: 1_000 }, { 'x-correlation-id': 'corr-a1' });
    await t.as('service', 'core-banking')('POST', '/tallies/a1/amounts', { amount: 100 });
    await t.as('service', 'core-banking')('POST', '/tallies/a1/amounts', { amount: 250 });
    await t.request('POST', '/tallies', { tallyId: 'a2', limit: 10 });
  });
  afterAll(async () => {
    await t?.close();
  });

  it("returns a stream's story in order with who, when, which command and correlation", async () => {
    const res = await t.as('auditor')('GET', '/audit/history?streamId=tally.tally-a1');
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(3);
    expect(res.body.items.map((e: any) => [e.type, e.command, e.actor.id])).toEqual([
      ['TallyOpened', 'OpenTally', 'admin-1'],
      ['AmountAdded', 'AddAmount', 'core-banking'],
      ['AmountAdded', 'AddAmount', 'core-banking'],
    ]);
    expect(res.body.items[0].correlationId).toBe('corr-a1');
    expect(res.body.items[0].hash).toMatch(/^[0-9a-f]{64}$/);
    const typed = await t.as('auditor')('GET', '/audit/history?streamId=tally.tally-a1&types=AmountAdded&pageSize=1&page=2');
    expect(typed.body).toMatchObject({ total: 2, page: 2, items: [{ revision: 2 }] });
  });

  it('folds an aggregate to its state at a past global position', async () => {
    const history = await t.as('auditor')('GET', '/audit/history?streamId=tally.tally-a1');
    const second = history.body.items[1];
    const res = await t.as('auditor')('GET', `/audit/streams/tally.tally-a1/state?position=${second.position}`);
    expect(res.body).toEqual({ streamId: 'tally.tally-a1', revision: 1, events: 2, state: { status: 'open', limit: 1_000, total: 100 } });
    const now = await t.as('auditor')('GET', '/audit/streams/tally.tally-a1/state');
    expect(now.body.state).toMatchObject({ total: 350 });
  });

  it('explains an event with its command, actor and correlation', async () => {
    const history = await t.as('auditor')('GET', '/audit/history?streamId=tally.tally-a1');
    const res = await t.as('supervisor')('GET', `/audit/events/${history.body.items[2].eventId}/explain`);
    expect(res.body.chain[0]).toMatchObject({ type: 'AmountAdded', command: 'AddAmount', actor: { id: 'core-banking', role: 'service' } });
  });

  it('verifies the hash chain, then finds the first broken link after a stored event is altered', async () => {
    expect((await t.as('auditor')('GET', '/audit/verify')).body).toMatchObject({ ok: true, checked: 4 });
    // Only a day that has ended is anchored: today is refused, and nothing is stored.
    const today = new Date().toISOString().slice(0, 10);
    const early = await t.request('POST', `/audit/anchors/${today}`);
    expect([early.status, early.body.code]).toEqual([422, 'ANCHOR_DAY_NOT_ENDED']);
    expect((await t.runtime.pool.query('SELECT count(*)::int AS n FROM audit_anchors')).rows[0].n).toBe(0);
    // The events, as if recorded yesterday (the hash chain does not cover recorded time).
    await t.runtime.pool.query(`UPDATE audit_events SET recorded_at = recorded_at - interval '1 day'`);
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const published = jest.spyOn(Logger.prototype, 'log');
    const anchor = await t.request('POST', `/audit/anchors/${yesterday}`);
    expect(anchor.status).toBe(200);
    expect(anchor.body).toMatchObject({ day: yesterday, events: 4, written: true, anchor: expect.stringMatching(/^[0-9a-f]{64}$/) });
    // Published outside the database: one structured log line per anchor written.
    expect(published.mock.calls.filter(([line]) => (line as { msg?: string })?.msg === 'audit anchor')).toEqual([
      [{ msg: 'audit anchor', auditAnchor: { day: yesterday, events: 4, lastPosition: anchor.body.lastPosition, anchor: anchor.body.anchor } }],
    ]);
    published.mockRestore();
    // The same hash again is idempotent.
    const again = await t.request('POST', `/audit/anchors/${yesterday}`);
    expect(again.body).toEqual({ ...anchor.body, written: false });
    expect((await t.as('auditor')('GET', '/audit/anchors/verify')).body).toMatchObject({ ok: true, checked: 1 });

    // An event edited in the store no longer matches the link the audit index recorded for it.
    const [second] = await t.runtime.store.readStream('tally.tally-a1', { fromRevision: 1, maxCount: 1 });
    await tamperWithEvent(t, 'tally.tally-a1', 1, { data: { ...(second.data as object), amount: 1 } });
    const broken = await t.as('auditor')('GET', '/audit/verify');
    expect(broken.body).toMatchObject({ ok: false, firstBroken: { streamId: 'tally.tally-a1', revision: 1, reason: 'hash_mismatch' } });
    // History shows what the store now holds; verify is what tells.
    const shown = await t.as('auditor')('GET', '/audit/history?streamId=tally.tally-a1');
    expect(shown.body.items[1].data).toMatchObject({ amount: 1 });

    // Rewriting the index's chain after the edit satisfies the chain, but not the day's anchor.
    for (const revision of [1, 2]) {
      const [event] = await t.runtime.store.readStream('tally.tally-a1', { fromRevision: revision, maxCount: 1 });
      const { rows } = await t.runtime.pool.query<{ hash: Buffer }>(`SELECT hash FROM audit_events WHERE stream_id = 'tally.tally-a1' AND revision = $1`, [
        revision - 1,
      ]);
      await t.runtime.pool.query(`UPDATE audit_events SET hash = $2 WHERE stream_id = 'tally.tally-a1' AND revision = $1`, [
        revision,
        auditHash(rows[0].hash, event),
      ]);
    }
    expect((await t.as('auditor')('GET', '/audit/verify')).body.ok).toBe(true);
    const anchors = await t.as('auditor')('GET', '/audit/anchors/verify');
    expect(anchors.body).toMatchObject({ ok: false, firstMismatch: { day: yesterday, stored: anchor.body.anchor } });
    // Re-anchoring the rewritten chain is refused, the stored anchor stays, and the attempt is on record.
    const rewrite = await t.request('POST', `/audit/anchors/${yesterday}`);
    expect([rewrite.status, rewrite.body.code, rewrite.body.stored]).toEqual([409, 'ANCHOR_ALREADY_WRITTEN', anchor.body.anchor]);
    const stored = await t.runtime.pool.query(`SELECT encode(anchor, 'hex') AS anchor FROM audit_anchors`);
    expect(stored.rows).toEqual([{ anchor: anchor.body.anchor }]);
    const log = await t.as('auditor')('GET', '/audit/access-log?actorId=admin-1');
    expect(log.body.items.filter((i: any) => i.route === '/audit/anchors/:day').map((i: any) => [i.status, i.params.day])).toEqual([
      [409, yesterday],
      [200, yesterday],
      [200, yesterday],
      [422, today],
    ]);

    // An event deleted from the store is missing where the index recorded it.
    await tamperWithEvent(t, 'tally.tally-a1', 1, 'delete');
    const gap = await t.as('auditor')('GET', '/audit/verify');
    expect(gap.body.firstBroken).toMatchObject({ streamId: 'tally.tally-a1', revision: 1, eventId: second.eventId, reason: 'missing' });
    const missing = await t.as('auditor')('GET', '/audit/history?streamId=tally.tally-a1');
    expect(missing.body.items.map((e: any) => [e.revision, e.missingFromStore ?? false])).toEqual([
      [0, false],
      [1, true],
      [2, false],
    ]);
    // A link deleted from the index leaves a gap in its chain.
    await t.runtime.pool.query(`DELETE FROM audit_events WHERE stream_id = 'tally.tally-a2' AND revision = 0`);
    await t.as('service', 'core-banking')('POST', '/tallies/a2/amounts', { amount: 5 });
    const scoped = await eventually(async () => {
      const r = await t.as('auditor')('GET', '/audit/verify?streamPrefix=tally.tally-a2');
      return r.body.firstBroken ? r.body : undefined;
    });
    expect(scoped).toMatchObject({ ok: false, firstBroken: { streamId: 'tally.tally-a2', revision: 0, reason: 'unindexed' } });
  });
});
