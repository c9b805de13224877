import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CONTEXTS } from '../../apps/arrears/src/contexts.js';
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
    await page.getByRole('button', { name: '登录' }).click();
    await page.getByTestId('who').waitFor();
    return page;
  }

  const ok = (res: TestResponse, status = [200, 201, 202]) => expect({ status: status.includes(res.status), body: status.includes(res.status) ? null : res.body }).toEqual({ status: true, body: null });

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
    ok(await rm2('POST', '/collection/strategies/std-C-M1/versions/1/activate', example('POST /collection/strategies/{strategyId}/versions/{version}/activate')));
    // A second version waits for a checker: the risk manager's approvals inbox.
    ok(await rm1('POST', '/collection/strategies', { ...(example('POST /collection/strategies') as object), reason: 'call before the SMS' }));
    ok(await sup('POST', '/collection/collectors', example('POST /collection/collectors')));
    ok(await sup('POST', '/collection/collectors/col-1/trainings', example('POST /collection/collectors/{collectorId}/trainings')));
    ok(await sup('POST', '/collection/collectors/col-1/certifications', example('POST /collection/collectors/{collectorId}/certifications')));
    ok(await core('POST', '/loans/accounts', example('POST /loans/accounts')));
    // Made-up personal data in the vault, for the masked and the clear read.
    ok(
      await core('PUT', '/customers/CU-000123/personal-data', {
        fullName: '王小明',
        phones: ['+86 138 0013 8000'],
        emails: ['xiaoming@example.com'],
        addresses: ['上海市浦东新区世纪大道 100 号'],
        idNumber: '310101199001011234',
        thirdPartyContacts: [],
      }),
      [204],
    );
    for (const day of ['2026-03-02', '2026-03-03', '2026-03-04']) await closeBusinessDay(core, day);
    await clocksAt(t, '2026-03-05');
    await eventually(async () => ((await sup('GET', `/collection/cases/${CASE}`)).body?.collectorId === 'col-1' ? true : undefined), 30_000, 'the case to be assigned');
    // The collector asks for a field visit: the supervisor's approvals inbox.
    ok(await t.as('collector', 'col-1', 'T1')('POST', `/collection/cases/${CASE}/field-visits`, { visitId: 'fv-1', plannedOn: '2026-03-06', reason: 'unreachable by phone' }));
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
    await form.getByRole('button', { name: '提交' }).click();
    await page.getByTestId('contact-result').locator('.ok').waitFor();
    await expect(page.getByTestId('contact-result').textContent()).resolves.toContain('PromiseToPayRecorded');
    const promise = (await t.runtime.store.readStream(`collection.case-${CASE}`)).find((e) => e.type === 'PromiseToPayRecorded');
    expect(promise?.data).toMatchObject({ amount: 103_000, dueOn: '2026-03-07' });

    await page.reload();
    await page.getByTestId('timeline').getByText('PromiseToPayRecorded').waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'console-collector-case.png'), fullPage: true });
    // English on request.
    await page.getByRole('button', { name: 'English' }).click();
    await expect(page.locator('#title').textContent()).resolves.toBe('Collection console');
    await page.close();
  });

  it('supervisor: the approvals inbox shows who asked, and approving a field visit records it', async () => {
    const page = await signIn('supervisor', 'sup-1', 'T1');
    await page.getByRole('link', { name: '待审批' }).click();
    const visits = page.getByTestId('approvals-visits');
    await visits.waitFor();
    const row = visits.locator('tr', { hasText: 'fv-1' });
    await expect(row.textContent()).resolves.toContain('col-1');
    await row.getByRole('button', { name: '批准' }).click();
    await page.getByTestId('approval-result').locator('.ok').waitFor();
    await expect(page.getByTestId('approval-result').textContent()).resolves.toContain('FieldVisitApproved');
    await page.screenshot({ path: join(ARTIFACTS, 'console-supervisor-approvals.png'), fullPage: true });
    await page.close();
  });

  it('risk manager: self-approval refused visibly, another checker approves; the KPI dashboard draws aging and rates by variant', async () => {
    const maker = await signIn('risk_manager', 'rm-1');
    await maker.getByRole('link', { name: '待审批' }).click();
    const row = maker.getByTestId('approvals-strategies').locator('tr', { hasText: 'std-C-M1@2' });
    await row.waitFor();
    await expect(row.textContent()).resolves.toContain('rm-1');
    await row.getByRole('button', { name: '批准' }).click();
    const refusal = maker.getByTestId('approval-result').getByTestId('problem');
    await refusal.waitFor();
    await expect(refusal.textContent()).resolves.toContain('STRATEGY_SELF_APPROVAL');

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
    await checker.close();
  });

  it('auditor: tamper verification, the loan’s history across contexts, and explain', async () => {
    const page = await signIn('auditor', 'aud-1');
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
});
