import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { loadConfig } from '#platform';
import { devSignIn } from '../../apps/arrears/src/console.js';
import { CONTEXTS } from '../../apps/arrears/src/contexts.js';
import { authSettings } from '../../apps/arrears/src/runtime.js';
import { EXAMPLES } from '../../apps/arrears/src/openapi/examples.js';
import { bootApp, eventually, type TestApp, type TestResponse } from '#test-support/app.js';
import { clocksAt, closeBusinessDay } from '#test-support/clock.js';

/**
 * The staff console in Debian's headless Chromium (driven by playwright-core; no browser download),
 * one flow per role, on a fresh app set up with the OpenAPI examples (the quickstart's flow up to
 * an open case). Screenshots go to test/artifacts/ (not in git) for CI's artefacts.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = join(process.cwd(), 'test/artifacts');
const CASE = 'LN-20260202-0001-E1';
const example = (route: string) => Object.values(EXAMPLES[route])[0];

describe('the staff console in a browser', () => {
  let t: TestApp;
  let browser: Browser;
  /** Script errors of any page: the console must run without one. */
  const pageErrors: string[] = [];

  async function signIn(role: Parameters<TestApp['token']>[0], user: string, team?: string): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(`${t.baseUrl}/console`);
    await page.getByLabel(/访问令牌/).fill(await t.token(role, user, team));
    await page.getByRole('button', { name: '登录', exact: true }).click();
    await page.getByTestId('who').waitFor();
    return page;
  }

  const ok = (res: TestResponse, status = [200, 201, 202]) =>
    expect({ status: status.includes(res.status), body: status.includes(res.status) ? null : res.body }).toEqual({ status: true, body: null });

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (.ci/run does)`);
    mkdirSync(ARTIFACTS, { recursive: true });
    t = await bootApp(CONTEXTS);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    const core = t.as('service', 'core-banking');
    const rm1 = t.as('risk_manager', 'rm-1');
    const rm2 = t.as('risk_manager', 'rm-2');
    const sup = t.as('supervisor', 'sup-1', 'T1');
    ok(await core('POST', '/loans/calendar', example('POST /loans/calendar')));
    await clocksAt(t, '2026-03-02');
    ok(await rm1('POST', '/collection/strategies', example('POST /collection/strategies')));
    ok(await rm2('POST', '/collection/strategies/std-C-M1/versions/1/approve', {}));
    ok(
      await rm2('POST', '/collection/strategies/std-C-M1/versions/1/activate', example('POST /collection/strategies/{strategyId}/versions/{version}/activate')),
    );
    // A second version waits for a checker: the risk manager's approvals inbox.
    ok(await rm1('POST', '/collection/strategies', { ...(example('POST /collection/strategies') as object), reason: 'call before the SMS' }));
    ok(await sup('POST', '/collection/collectors', example('POST /collection/collectors')));
    ok(await sup('POST', '/collection/collectors/col-1/trainings', example('POST /collection/collectors/{collectorId}/trainings')));
    ok(await sup('POST', '/collection/collectors/col-1/certifications', example('POST /collection/collectors/{collectorId}/certifications')));
    // A second certified collector of the team, to reassign the case to.
    ok(await sup('POST', '/collection/collectors', { ...(example('POST /collection/collectors') as object), collectorId: 'col-2' }));
    ok(await sup('POST', '/collection/collectors/col-2/trainings', example('POST /collection/collectors/{collectorId}/trainings')));
    ok(await sup('POST', '/collection/collectors/col-2/certifications', example('POST /collection/collectors/{collectorId}/certifications')));
    // A grading policy draft waits for a second risk manager.
    const template = await rm1('GET', '/grading/policies/template');
    ok(await rm1('POST', '/grading/policies', { policyId: 'pol-console', document: template.body.document, reason: 'the shipped template, reviewed' }));
    ok(await core('POST', '/loans/accounts', example('POST /loans/accounts')));
    // Made-up personal data in the vault, for the masked and the clear read.
    ok(await core('PUT', '/customers/CU-000123/personal-data', example('PUT /customers/{customerId}/personal-data')), [204]);
    for (const day of ['2026-03-02', '2026-03-03', '2026-03-04']) await closeBusinessDay(core, day);
    await clocksAt(t, '2026-03-05');
    await eventually(
      async () => ((await sup('GET', `/collection/cases/${CASE}`)).body?.collectorId === 'col-1' ? true : undefined),
      30_000,
      'the case to be assigned',
    );
    // The collector asks for a field visit: the supervisor's approvals inbox.
    ok(
      await t.as('collector', 'col-1', 'T1')('POST', `/collection/cases/${CASE}/field-visits`, {
        visitId: 'fv-1',
        plannedOn: '2026-03-06',
        reason: 'unreachable by phone',
      }),
    );
    // Another supervisor of the team asks for a write-off: the supervisor's inbox again.
    ok(await t.as('supervisor', 'sup-2', 'T1')('POST', '/loans/accounts/LN-20260202-0001/write-off', { requestId: 'wo-1', reason: 'debtor deceased' }));
  });
  afterEach(() => {
    expect(pageErrors.splice(0)).toEqual([]);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('collector: today’s queue, the case with its timeline and why, a refused call and a recorded promise', async () => {
    const page = await signIn('collector', 'col-1', 'T1');
    await expect(page.locator('#title').textContent()).resolves.toBe('催收工作台');
    await expect(page.getByTestId('business-date').textContent()).resolves.toContain('2026-03-05');
    await page.getByTestId('queue').getByRole('link', { name: CASE }).click();
    const facts = page.getByTestId('case-facts');
    await facts.waitFor();
    await expect(facts.textContent()).resolves.toContain('col-1');
    const timeline = page.getByTestId('timeline');
    await expect(timeline.textContent()).resolves.toContain('CaseOpened');
    await expect(timeline.textContent()).resolves.toContain('collectionStrategy: std-C-M1@1/champion');

    // Personal data is masked until the collector names a purpose; the clear read is recorded.
    const masked = page.getByTestId('pii-masked');
    await masked.waitFor();
    await expect(masked.textContent()).resolves.not.toContain('0013 8000');
    await page.getByTestId('personal-data').getByRole('button', { name: '查看明文' }).click();
    await page.getByTestId('pii-clear').waitFor();
    await expect(page.getByTestId('pii-clear').textContent()).resolves.toContain('+86 138 0013 8000');
    const log = await t.request('GET', '/customers/CU-000123/personal-data/access-log');
    expect(log.body.items).toEqual([expect.objectContaining({ actorId: 'col-1', purpose: 'CONTACT_DEBTOR' })]);

    const form = page.getByTestId('contact-form');
    // The proposed instant is on the calendar's open business date in the debtor's zone, not the browser's date.
    await expect(form.locator('input[name=at]').inputValue()).resolves.toMatch(/^2026-03-05T\d\d:\d\d:00\+08:00$/);
    await form.locator('select[name=channel]').selectOption('CALL');
    await form.locator('select[name=outcome]').selectOption('NO_ANSWER');
    await form.locator('input[name=at]').fill('2026-03-05T23:30:00+08:00');
    await form.getByRole('button', { name: '提交' }).click();
    const refusal = page.getByTestId('contact-result').getByTestId('problem');
    await refusal.waitFor();
    await expect(refusal.textContent()).resolves.toContain('CONTACT_OUTSIDE_HOURS');

    await form.locator('select[name=outcome]').selectOption('PROMISE_TO_PAY');
    await form.locator('input[name=at]').fill('2026-03-05T10:00:00+08:00');
    await form.locator('input[name=amount]').fill('1030');
    await form.locator('input[name=dueOn]').fill('2026-03-07');
    await form.locator('input[name=recordingRef]').fill('rec-20260305-0001');
    await form.locator('input[name=identified]').check();
    await form.getByRole('button', { name: '提交' }).click();
    // What was recorded, or the refusal (so a failure says which rule refused).
    await page.getByTestId('contact-result').locator('.ok, [data-testid=problem]').waitFor();
    await expect(page.getByTestId('contact-result').textContent()).resolves.toContain('PromiseToPayRecorded');
    const promise = (await t.runtime.store.readStream(`collection.case-${CASE}`)).find((e) => e.type === 'PromiseToPayRecorded');
    expect(promise?.data).toMatchObject({ amount: 103_000, dueOn: '2026-03-07' });
    const attempt = (await t.runtime.store.readStream(`collection.case-${CASE}`)).find((e) => e.type === 'ContactAttempted');
    expect(attempt?.data).toMatchObject({ recordingRef: 'rec-20260305-0001', identified: true });

    await page.reload();
    await page.getByTestId('timeline').getByText('PromiseToPayRecorded').waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'console-collector-case.png'), fullPage: true });
    // English on request.
    await page.getByRole('button', { name: 'English' }).click();
    await expect(page.locator('#title').textContent()).resolves.toBe('Collection console');
    await page.close();
  });

  it('supervisor: the approvals inbox shows who asked (a field visit approved, a write-off rejected); on the case, what-if side by side and a reassignment', async () => {
    const page = await signIn('supervisor', 'sup-1', 'T1');
    await page.getByRole('link', { name: '待审批' }).click();
    const visits = page.getByTestId('approvals-visits');
    await visits.waitFor();
    const row = visits.locator('tr', { hasText: 'fv-1' });
    await expect(row.textContent()).resolves.toContain('col-1');
    await row.getByRole('button', { name: '批准' }).click();
    await page.getByTestId('approval-result').locator('.ok').waitFor();
    await expect(page.getByTestId('approval-result').textContent()).resolves.toContain('FieldVisitApproved');
    // The write-off another supervisor asked for, rejected with the reason typed above.
    const writeOff = page.getByTestId('approvals-write-offs').locator('tr', { hasText: 'wo-1' });
    await expect(writeOff.textContent()).resolves.toContain('sup-2');
    await page.getByLabel('意见').fill('家属仍在还款');
    await writeOff.getByRole('button', { name: '驳回' }).click();
    await page.getByTestId('approval-result').getByText('WriteOffRejected').waitFor();
    const rejected = (await t.runtime.store.readStream('loans.loan-LN-20260202-0001')).find((e) => e.type === 'WriteOffRejected');
    expect(rejected?.data).toMatchObject({ requestId: 'wo-1', reason: '家属仍在还款' });
    await page.screenshot({ path: join(ARTIFACTS, 'console-supervisor-approvals.png'), fullPage: true });

    // On the case: what the case would have got under the proposed version, then a reassignment.
    await page.goto(`${t.baseUrl}/console/#case/${CASE}`);
    const whatIf = page.getByTestId('what-if-form');
    await whatIf.locator('select[name=version]').selectOption('std-C-M1@2');
    await whatIf.getByRole('button', { name: '提交' }).click();
    await page.getByTestId('what-if-days').waitFor();
    await expect(page.getByTestId('what-if-days').textContent()).resolves.toContain('sms-1 · SMS · REMINDER');
    await expect(page.getByTestId('what-if-summary').textContent()).resolves.toMatch(/实际计划 \d+ · 假设计划 \d+/);
    const reassign = page.getByTestId('reassign-form');
    await expect(reassign.locator('select[name=collectorId] option').allTextContents()).resolves.toEqual(['col-2']);
    await reassign.locator('input[name=reason]').fill('col-1 on leave');
    await reassign.getByRole('button', { name: '改派' }).click();
    await page.getByTestId('reassign-result').getByText('CaseReassigned').waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'console-supervisor-case.png'), fullPage: true });
    await eventually(
      async () => ((await t.as('supervisor', 'sup-1', 'T1')('GET', `/collection/cases/${CASE}`)).body?.collectorId === 'col-2' ? true : undefined),
      30_000,
      'the reassignment to be read',
    );
    await page.close();
  });

  it('risk manager: self-approval refused visibly; another checker approves the strategy, a grading policy, a rulebook and a restructuring policy; the KPI dashboard', async () => {
    const rm1 = t.as('risk_manager', 'rm-1');
    // A rulebook rm-1 proposes, in force only from long after every date this file's steps use.
    const current = (await rm1('GET', '/collection/contact-rules')).body.inForce;
    const rulebook = { effectiveFrom: '2026-12-01', reason: 'year-end review of quiet hours', rules: { ...current, version: 'CN-CONSOLE' } };
    ok(await rm1('POST', '/collection/contact-rules', rulebook));
    // And a restructuring policy version with the same terms (no restructuring in this file).
    ok(await rm1('PUT', '/restructuring/policy', { ...(await rm1('GET', '/restructuring/policy')).body, version: 'rp-console' }));
    const maker = await signIn('risk_manager', 'rm-1');
    await maker.getByRole('link', { name: '待审批' }).click();
    const row = maker.getByTestId('approvals-strategies').locator('tr', { hasText: 'std-C-M1@2' });
    await row.waitFor();
    await expect(row.textContent()).resolves.toContain('rm-1');
    await row.getByRole('button', { name: '批准' }).click();
    const refusal = maker.getByTestId('approval-result').getByTestId('problem');
    await refusal.waitFor();
    await expect(refusal.textContent()).resolves.toContain('MAKER_CANNOT_CHECK');
    // The rulebook shows who proposed it and why; its proposer's approval is refused on the page.
    const rulebookRow = maker.getByTestId('approvals-contact-rules').locator('tr', { hasText: 'CN-CONSOLE' });
    await expect(rulebookRow.textContent()).resolves.toMatch(/2026-12-01.*year-end review of quiet hours.*rm-1/);
    await rulebookRow.getByRole('button', { name: '批准' }).click();
    await maker.getByTestId('approval-result').getByText('MAKER_CANNOT_CHECK').waitFor();
    const restructuringPolicy = maker.getByTestId('approvals-restructuring-policies').locator('tr', { hasText: 'rp-console' });
    await expect(restructuringPolicy.textContent()).resolves.toContain('rm-1');
    await restructuringPolicy.getByRole('button', { name: '批准' }).click();
    await maker.getByTestId('approval-result').getByText('MAKER_CANNOT_CHECK').waitFor();

    await maker.getByRole('link', { name: '指标看板' }).click();
    const aging = maker.getByTestId('chart-aging');
    await aging.waitFor();
    await expect(aging.textContent()).resolves.toContain('M1');
    await expect(aging.locator('rect.bar').count()).resolves.toBeGreaterThan(0);
    await maker.getByTestId('chart-cure').waitFor();
    await expect(maker.getByTestId('chart-cure').textContent()).resolves.toContain('champion');
    await maker.getByTestId('chart-roll').waitFor();
    await maker.getByTestId('reviews').waitFor();
    await maker.screenshot({ path: join(ARTIFACTS, 'console-kpi-dashboard.png'), fullPage: true });
    await maker.close();

    const checker = await signIn('risk_manager', 'rm-2');
    await checker.getByRole('link', { name: '待审批' }).click();
    await checker.getByTestId('approvals-strategies').locator('tr', { hasText: 'std-C-M1@2' }).getByRole('button', { name: '批准' }).click();
    await checker.getByTestId('approval-result').locator('.ok').waitFor();
    await expect(checker.getByTestId('approval-result').textContent()).resolves.toContain('StrategyVersionApproved');
    // The grading policy draft rm-1 proposed, approved by rm-2.
    const policy = checker.getByTestId('approvals-grading-policies').locator('tr', { hasText: 'pol-console@1' });
    await expect(policy.textContent()).resolves.toContain('rm-1');
    await policy.getByRole('button', { name: '批准' }).click();
    await checker.getByTestId('approval-result').getByText('PolicyApproved').waitFor();
    await checker.getByTestId('approvals-classification-rules').waitFor();
    expect((await t.as('risk_manager', 'rm-2')('GET', '/grading/policies/pol-console')).body.versions[0]).toMatchObject({
      status: 'approved',
      reviewedBy: 'rm-2',
    });
    // rm-1's rulebook, approved by rm-2: published, no longer waiting.
    await checker.getByTestId('approvals-contact-rules').locator('tr', { hasText: 'CN-CONSOLE' }).getByRole('button', { name: '批准' }).click();
    await checker.getByTestId('approval-result').getByText('ContactRulesPublished').waitFor();
    const book = (await t.as('risk_manager', 'rm-2')('GET', '/collection/contact-rules')).body;
    const versions = book.published.map((p: { rules: { version: string } }) => p.rules.version);
    expect({ published: versions.includes('CN-CONSOLE'), proposed: book.proposed }).toEqual({ published: true, proposed: [] });
    await checker.getByTestId('approvals-restructuring-policies').locator('tr', { hasText: 'rp-console' }).getByRole('button', { name: '批准' }).click();
    await checker.getByTestId('approval-result').getByText('RestructuringPolicyPublished').waitFor();
    expect((await t.as('risk_manager', 'rm-2')('GET', '/restructuring/policy')).body.version).toBe('rp-console');
    await checker.close();
  });

  it('auditor (signed in with the development sign-in): tamper verification, the loan’s history across contexts, and explain', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(`${t.baseUrl}/console`);
    const dev = page.getByTestId('dev-sign-in');
    await expect(dev.textContent()).resolves.toContain('仅限开发环境');
    await dev.locator('select[name=role]').selectOption('auditor');
    await dev.locator('input[name=user]').fill('aud-1');
    await dev.locator('input[name=team]').fill('');
    await dev.getByRole('button', { name: '以此身份登录' }).click();
    await expect(page.getByTestId('who').textContent()).resolves.toContain('aud-1 · auditor');
    await expect(page.getByTestId('dev-badge').textContent()).resolves.toContain('开发令牌');
    await page.getByTestId('audit-verify').locator('.ok').waitFor();
    await page.getByLabel('贷款').fill('LN-20260202-0001');
    await page.getByLabel('截至营业日').fill('2026-03-03');
    await page.getByTestId('audit-form').getByRole('button', { name: '提交' }).click();
    const history = page.getByTestId('audit-history');
    await history.waitFor();
    await expect(history.textContent()).resolves.toContain('LoanRegistered');
    await expect(page.getByTestId('as-of').textContent()).resolves.toContain('"asOf"');
    await history.locator('tr', { hasText: 'CaseOpened' }).getByRole('button', { name: '追溯' }).click();
    await page.getByTestId('explain').filter({ hasText: 'LoanBecameDelinquent' }).waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'console-auditor.png'), fullPage: true });
    await page.close();
  });

  it('the development sign-in mints staff tokens only, and they carry what was chosen', async () => {
    const minted = await t.as(null)('POST', '/console/dev-token', { role: 'collector', user: 'col-1', team: 'T1' });
    expect(minted).toMatchObject({ status: 201, body: { sub: 'col-1', role: 'collector', team: 'T1', developmentOnly: true } });
    const queue = await t.as(null)('GET', '/collection/work-queue', undefined, { authorization: `Bearer ${minted.body.token}` });
    expect(queue.status).toBe(200);
    for (const bad of [{ role: 'service', user: 'core-banking' }, { role: 'customer', user: 'CU-000123' }, { role: 'admin', user: 'a b' }, { role: 'admin' }]) {
      const res = await t.as(null)('POST', '/console/dev-token', bad);
      expect({ bad, status: res.status, code: res.body.code }).toEqual({ bad, status: 400, code: 'VALIDATION_FAILED' });
    }
  });
});

describe('the development sign-in off the embedded default', () => {
  it('is not offered with JWKS_URL set: no route, and the page has no such form', async () => {
    const t = await bootApp([], { JWKS_URL: 'https://sso.bank.example/realms/collection/protocol/openid-connect/certs' });
    try {
      const res = await t.as(null)('POST', '/console/dev-token', { role: 'admin', user: 'adm-1' });
      expect({ status: res.status, code: res.body.code }).toEqual({ status: 404, code: 'NOT_FOUND' });
      const page = await fetch(`${t.baseUrl}/console/`).then((r) => r.text());
      expect(page).toContain('<body>');
      expect(page).not.toContain('data-dev-sign-in');
    } finally {
      await t.close();
    }
  });

  it('is not offered with NODE_ENV=production, even with a local secret (the container image)', () => {
    const on = (env: Record<string, string>) => {
      const config = loadConfig({ JWT_SECRET: 'x'.repeat(32), VAULT_MASTER_KEY: Buffer.alloc(32).toString('base64'), ...env });
      return devSignIn(config, authSettings(config)) !== null;
    };
    expect(on({})).toBe(true);
    expect(on({ NODE_ENV: 'production' })).toBe(false);
    expect(on({ JWKS_URL: 'https://sso.bank.example/jwks' })).toBe(false);
  });
});
