/**
 * The staff console: a small page over Arrears' public JSON API, with the signed-in user's token
 * and nothing else (no route of its own but the page; the route × role matrix decides what each
 * user sees). Compiled by the app's own build (tsc) to one ES module the browser loads; no
 * framework and no bundler. Chinese labels by default, English on request.
 */

type Lang = 'zh' | 'en';
type Json = any;

const TEXT = {
  zh: {
    title: '催收工作台',
    signIn: '登录',
    signOut: '退出',
    tokenLabel: '访问令牌（Bearer JWT）',
    tokenHint: '在嵌入式默认环境下用命令行生成令牌：',
    badToken: '令牌无效',
    queue: '今日工作队列',
    cases: '案件',
    approvals: '待审批',
    dashboard: '指标看板',
    businessDate: '营业日',
    caseId: '案件号',
    step: '步骤',
    channel: '渠道',
    grade: '等级',
    stage: '阶段',
    dpd: '逾期天数',
    overdue: '逾期金额',
    status: '状态',
    collector: '催收员',
    strategy: '策略',
    timeline: '时间线',
    type: '事件',
    when: '发生时间',
    actor: '操作人',
    why: '依据（策略版本）',
    actions: '计划动作',
    performed: '已执行',
    recordContact: '记录联系',
    outcome: '结果',
    at: '联系时间',
    promiseAmount: '承诺金额（元）',
    promiseDue: '承诺还款日',
    submit: '提交',
    recorded: '已记录',
    refused: '被拒绝',
    open: '打开',
    request: '申请',
    loan: '贷款',
    requestedBy: '申请人',
    approve: '批准',
    reject: '驳回',
    decide: '审批',
    reason: '意见',
    restructurings: '重组申请',
    fieldVisits: '上门拜访申请',
    strategies: '策略版本',
    audit: '审计',
    asOf: '截至营业日',
    explain: '追溯',
    tamper: '防篡改校验',
    empty: '暂无',
    aging: '账龄分布（余额，元）',
    cureByVariant: '按策略分组的治愈率',
    promiseKeptByVariant: '按策略分组的承诺兑现率',
    rollByMonth: '月度滚动率',
    reviews: '冠军/挑战者评估',
    recommendation: '结论',
    pValue: 'p 值',
    language: 'English',
    debtor: '债务人',
    name: '姓名',
    phones: '电话',
    addresses: '地址',
    purpose: '用途',
    showClear: '查看明文',
    clearIsRecorded: '明文查看将被记录（谁、何时、用途）',
    devSignIn: '开发登录（仅限开发环境）',
    devSignInHint: '仅在嵌入式默认环境（未设置 JWKS_URL，且非 NODE_ENV=production）提供：可以任意身份登录，切勿用于生产。',
    devSignInAs: '以此身份登录',
    role: '角色',
    user: '用户号',
    team: '团队',
    devToken: '开发令牌',
    reassign: '改派',
    whatIf: '假设分析（换用另一策略版本重放，不写入任何数据）',
    actual: '实际计划',
    whatIfPlan: '假设计划',
    same: '相同',
    onlyActual: '仅实际',
    onlyWhatIf: '仅假设',
    writeOffs: '核销申请',
    gradingPolicies: '评级政策',
    classificationRules: '五级分类规则',
    contactRules: '联系规则',
    restructuringPolicies: '重组政策',
    effectiveFrom: '生效日',
    proposedOn: '提出日',
    version: '版本',
    date: '日期',
    requestReason: '申请理由',
    recordingRef: '录音编号（通话必填）',
    identified: '已表明银行（及受托机构）身份',
  },
  en: {
    title: 'Collection console',
    signIn: 'Sign in',
    signOut: 'Sign out',
    tokenLabel: 'Access token (Bearer JWT)',
    tokenHint: 'On the embedded default, mint one with the CLI:',
    badToken: 'Not a valid token',
    queue: "Today's queue",
    cases: 'Cases',
    approvals: 'Approvals',
    dashboard: 'KPI dashboard',
    businessDate: 'Business date',
    caseId: 'Case',
    step: 'Step',
    channel: 'Channel',
    grade: 'Grade',
    stage: 'Stage',
    dpd: 'DPD',
    overdue: 'Overdue',
    status: 'Status',
    collector: 'Collector',
    strategy: 'Strategy',
    timeline: 'Timeline',
    type: 'Event',
    when: 'Occurred',
    actor: 'By',
    why: 'Why (policy versions)',
    actions: 'Planned actions',
    performed: 'Performed',
    recordContact: 'Record a contact',
    outcome: 'Outcome',
    at: 'When',
    promiseAmount: 'Promised amount (yuan)',
    promiseDue: 'Promised by',
    submit: 'Submit',
    recorded: 'Recorded',
    refused: 'Refused',
    open: 'Open',
    request: 'Request',
    loan: 'Loan',
    requestedBy: 'Requested by',
    approve: 'Approve',
    reject: 'Reject',
    decide: 'Decide',
    reason: 'Reason',
    restructurings: 'Restructuring requests',
    fieldVisits: 'Field visits',
    strategies: 'Strategy versions',
    audit: 'Audit',
    asOf: 'As of business date',
    explain: 'Explain',
    tamper: 'Tamper verification',
    empty: 'Nothing here',
    aging: 'Aging (balance, yuan)',
    cureByVariant: 'Cure rate by variant',
    promiseKeptByVariant: 'Promise-kept rate by variant',
    rollByMonth: 'Roll rate by month',
    reviews: 'Champion/challenger reviews',
    recommendation: 'Verdict',
    pValue: 'p-value',
    language: '中文',
    debtor: 'Debtor',
    name: 'Name',
    phones: 'Phones',
    addresses: 'Addresses',
    purpose: 'Purpose',
    showClear: 'Show clear values',
    clearIsRecorded: 'a clear read is recorded (who, when, why)',
    devSignIn: 'Development sign-in (development only)',
    devSignInHint: 'Offered on the embedded default only (no JWKS_URL, not NODE_ENV=production): anyone can sign in as anybody; never use it in production.',
    devSignInAs: 'Sign in as',
    role: 'Role',
    user: 'User id',
    team: 'Team',
    devToken: 'development token',
    reassign: 'Reassign',
    whatIf: 'What-if (the case replayed under another strategy version; nothing is written)',
    actual: 'Actual plan',
    whatIfPlan: 'What-if plan',
    same: 'Same',
    onlyActual: 'Only actual',
    onlyWhatIf: 'Only what-if',
    writeOffs: 'Write-off requests',
    gradingPolicies: 'Grading policies',
    classificationRules: 'Loan classification rules',
    contactRules: 'Contact rulebooks',
    restructuringPolicies: 'Restructuring policies',
    effectiveFrom: 'In force from',
    proposedOn: 'Proposed on',
    version: 'Version',
    date: 'Date',
    requestReason: 'Reason given',
    recordingRef: 'Recording reference (every call)',
    identified: 'Named the bank (and the agency acting for it)',
  },
} satisfies Record<Lang, Record<string, string>>;

type Key = keyof (typeof TEXT)['zh'];

const CHANNELS = ['CALL', 'SMS', 'EMAIL', 'FIELD_VISIT', 'LETTER', 'APP_PUSH'];
const OUTCOMES = [
  'NO_ANSWER',
  'BUSY',
  'VOICEMAIL',
  'RIGHT_PARTY_CONTACT',
  'WRONG_PARTY',
  'PROMISE_TO_PAY',
  'REFUSED',
  'DISPUTE',
  'COMPLAINT',
  'CALLBACK_REQUESTED',
  'DELIVERED',
  'UNDELIVERABLE',
  'NOT_HOME',
];

/** Which views each role has: what its routes allow. */
const VIEWS: Record<string, string[]> = {
  collector: ['queue', 'cases'],
  supervisor: ['cases', 'approvals', 'dashboard'],
  risk_manager: ['dashboard', 'approvals', 'cases'],
  auditor: ['audit', 'cases', 'dashboard'],
  admin: ['cases', 'approvals', 'dashboard', 'audit'],
};

const state = {
  lang: (localStorage.getItem('arrears.lang') as Lang | null) ?? 'zh',
  token: sessionStorage.getItem('arrears.token') ?? '',
  /** Signed in with the development sign-in (shown in the navigation bar). */
  dev: sessionStorage.getItem('arrears.dev') === '1',
};

const t = (key: Key): string => TEXT[state.lang][key];
const main = (): HTMLElement => document.getElementById('main')!;

function claims(token: string): { sub: string; role: string; team?: string } | null {
  try {
    const payload = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    return typeof payload.sub === 'string' && typeof payload.role === 'string' ? payload : null;
  } catch {
    return null;
  }
}

/** One call to the public API with the signed-in token. */
async function api(method: string, path: string, body?: unknown): Promise<{ ok: boolean; status: number; body: Json }> {
  const res = await fetch(path, {
    method,
    headers: { authorization: `Bearer ${state.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: Json = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  return { ok: res.ok, status: res.status, body: parsed };
}

/** Builds an element: h('td', { class: 'x' }, 'text', child). */
function h(tag: string, attrs: Record<string, string | ((e: Event) => void)> = {}, ...children: (Node | string | number | null | undefined)[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (typeof v === 'function') el.addEventListener(k, v);
    else el.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) el.append(typeof c === 'object' ? c : String(c));
  return el;
}

const yuan = (fen: number | null | undefined): string =>
  typeof fen === 'number' ? (fen / 100).toLocaleString(state.lang === 'zh' ? 'zh-CN' : 'en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }) : '–';
const percent = (rate: number | null | undefined): string => (typeof rate === 'number' ? `${(rate * 100).toFixed(1)} %` : '–');

function table(headers: Key[], rows: (Node | string | number | null)[][], testId: string): HTMLElement {
  if (rows.length === 0) return h('p', { class: 'empty', 'data-testid': testId }, t('empty'));
  return h(
    'table',
    { 'data-testid': testId },
    h('thead', {}, h('tr', {}, ...headers.map((k) => h('th', {}, t(k))))),
    h('tbody', {}, ...rows.map((r) => h('tr', {}, ...r.map((c) => h('td', {}, c ?? '–'))))),
  );
}

/** A refusal as the API states it: the rule's code and message. */
function problemBox(res: { status: number; body: Json }): HTMLElement {
  const p = res.body ?? {};
  return h(
    'div',
    { class: 'problem', role: 'alert', 'data-testid': 'problem' },
    h('strong', {}, `${t('refused')} · ${res.status} ${p.code ?? ''}`),
    h('div', {}, p.detail ?? p.title ?? ''),
  );
}

/** A horizontal bar chart in SVG. */
function bars(title: string, items: { label: string; value: number; text: string }[], testId: string): HTMLElement {
  const width = 520;
  const row = 26;
  const max = Math.max(1, ...items.map((i) => i.value));
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${Math.max(1, items.length) * row + 8}`);
  svg.setAttribute('width', String(width));
  items.forEach((item, i) => {
    const y = i * row + 4;
    const label = document.createElementNS(svg.namespaceURI, 'text');
    label.setAttribute('x', '0');
    label.setAttribute('y', String(y + 16));
    label.textContent = item.label;
    const bar = document.createElementNS(svg.namespaceURI, 'rect');
    bar.setAttribute('x', '110');
    bar.setAttribute('y', String(y + 3));
    bar.setAttribute('height', '16');
    bar.setAttribute('width', String(Math.max(1, (item.value / max) * (width - 230))));
    bar.setAttribute('class', 'bar');
    const value = document.createElementNS(svg.namespaceURI, 'text');
    value.setAttribute('x', String(116 + (item.value / max) * (width - 230)));
    value.setAttribute('y', String(y + 16));
    value.textContent = item.text;
    svg.append(label, bar, value);
  });
  return h('figure', { 'data-testid': testId }, h('figcaption', {}, title), items.length ? svg : h('p', { class: 'empty' }, t('empty')));
}

// Views

async function showQueue(): Promise<void> {
  const res = await api('GET', '/collection/work-queue');
  const root = main();
  root.replaceChildren(h('h2', {}, t('queue')));
  if (!res.ok) return void root.append(problemBox(res));
  root.append(
    h('p', { 'data-testid': 'business-date' }, `${t('businessDate')}: ${res.body.businessDate}`),
    table(
      ['caseId', 'step', 'channel', 'grade', 'stage', 'dpd', 'overdue'],
      res.body.items.map((i: Json) => [
        h('a', { href: `#case/${i.caseId}` }, i.caseId),
        i.stepId ?? i.kind,
        i.channel ?? '',
        i.grade,
        i.stage,
        i.dpd,
        yuan(i.overdueAmount),
      ]),
      'queue',
    ),
  );
}

async function showCases(): Promise<void> {
  const res = await api('GET', '/collection/cases?status=OPEN&pageSize=100');
  const root = main();
  root.replaceChildren(h('h2', {}, t('cases')));
  if (!res.ok) return void root.append(problemBox(res));
  root.append(
    table(
      ['caseId', 'status', 'grade', 'stage', 'dpd', 'overdue', 'collector'],
      res.body.items.map((c: Json) => [
        h('a', { href: `#case/${c.caseId}` }, c.caseId),
        c.status,
        c.grade,
        c.stage,
        c.dpd,
        yuan(c.overdueAmount),
        c.collectorId,
      ]),
      'cases',
    ),
  );
}

async function showCase(caseId: string): Promise<void> {
  const res = await api('GET', `/collection/cases/${encodeURIComponent(caseId)}`);
  const root = main();
  root.replaceChildren(h('h2', {}, `${t('caseId')} ${caseId}`));
  if (!res.ok) return void root.append(problemBox(res));
  const c = res.body;
  root.append(
    h(
      'dl',
      { class: 'facts', 'data-testid': 'case-facts' },
      ...(
        [
          ['status', c.status],
          ['grade', c.grade],
          ['stage', c.stage],
          ['dpd', c.dpd],
          ['overdue', yuan(c.overdueAmount)],
          ['collector', c.collectorId],
          ['strategy', c.strategy ? `${c.strategy.strategyId}@${c.strategy.version} / ${c.strategy.variant}` : null],
        ] as [Key, unknown][]
      ).flatMap(([k, v]) => [h('dt', {}, t(k)), h('dd', {}, (v as string) ?? '–')]),
    ),
    h('h3', {}, t('actions')),
    table(
      ['step', 'channel', 'performed'],
      (c.actions ?? []).map((a: Json) => [a.stepId, a.channel, a.performed ? '✓' : '']),
      'actions',
    ),
  );
  root.append(await personalData(c.customerId));
  if (claims(state.token)?.role === 'collector' && c.status === 'OPEN') {
    const calendar = await api('GET', '/loans/calendar');
    root.append(contactForm(caseId, calendar.ok ? calendar.body.openBusinessDate : null, c.timeZone ?? 'Asia/Shanghai'));
  }
  const role = claims(state.token)?.role ?? '';
  if ((role === 'supervisor' || role === 'admin') && c.status === 'OPEN') root.append(await reassignForm(caseId, c.collectorId));
  if (['supervisor', 'risk_manager', 'auditor', 'admin'].includes(role)) root.append(await whatIfPanel(caseId));
  root.append(
    h('h3', {}, t('timeline')),
    table(
      ['when', 'type', 'actor', 'why'],
      (c.timeline ?? []).map((e: Json) => [
        e.occurredAt,
        e.type,
        `${e.actor.id} (${e.actor.role})`,
        Object.entries(e.policyVersions ?? {})
          .map(([k, v]) => `${k}: ${v}`)
          .join(', '),
      ]),
      'timeline',
    ),
  );
}

const PURPOSES = ['CONTACT_DEBTOR', 'CONTACT_THIRD_PARTY', 'FIELD_VISIT', 'DISPUTE_HANDLING', 'LEGAL', 'DATA_SUBJECT_REQUEST'];

/**
 * The debtor's personal data from the vault: masked, until the user names a purpose (roles that may
 * read clear values, within their case scope); the vault records every clear read with its purpose.
 */
async function personalData(customerId: string): Promise<HTMLElement> {
  const box = h('section', { class: 'pii', 'data-testid': 'personal-data' });
  const show = async (purpose?: string) => {
    const res = await api('GET', `/customers/${encodeURIComponent(customerId)}/personal-data${purpose ? `?purpose=${purpose}` : ''}`);
    const rows: HTMLElement[] = [];
    if (res.ok) {
      const d = res.body.data;
      rows.push(
        h(
          'dl',
          { class: 'facts', 'data-testid': res.body.masked ? 'pii-masked' : 'pii-clear' },
          h('dt', {}, t('name')),
          h('dd', {}, d.fullName),
          h('dt', {}, t('phones')),
          h('dd', {}, d.phones.join(', ') || '–'),
          h('dt', {}, t('addresses')),
          h('dd', {}, d.addresses.join('; ') || '–'),
        ),
      );
    } else rows.push(problemBox(res));
    const role = claims(state.token)?.role ?? '';
    if ((!res.ok || res.body.masked) && ['collector', 'supervisor', 'admin', 'service'].includes(role)) {
      const purposeSelect = h(
        'select',
        { name: 'purpose', 'aria-label': t('purpose') },
        ...PURPOSES.map((p) => h('option', { value: p }, p)),
      ) as HTMLSelectElement;
      rows.push(
        h(
          'p',
          {},
          `${t('purpose')} `,
          purposeSelect,
          ' ',
          h('button', { click: () => void show(purposeSelect.value) }, t('showClear')),
          ' ',
          h('span', { class: 'hint' }, t('clearIsRecorded')),
        ),
      );
    }
    box.replaceChildren(h('h3', {}, `${t('debtor')} ${customerId}`), ...rows);
  };
  await show();
  return box;
}

/** The UTC offset of an IANA zone on a date, as ISO-8601 wants it (+08:00). */
function offsetOf(timeZone: string, date: string): string {
  const name =
    new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' })
      .formatToParts(new Date(`${date}T12:00:00Z`))
      .find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  return name === 'GMT' ? '+00:00' : name.slice(3);
}

/**
 * Records a contact. The instant it proposes is the open business date of the calendar (never the
 * browser's date) at the present time of day in the debtor's zone; the server checks it anyway.
 */
function contactForm(caseId: string, businessDate: string | null, timeZone: string): HTMLElement {
  const select = (name: string, values: string[]) => h('select', { name }, ...values.map((v) => h('option', { value: v }, v)));
  const clock = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date());
  const now = businessDate ? `${businessDate}T${clock}:00${offsetOf(timeZone, businessDate)}` : '';
  const out = h('div', { 'data-testid': 'contact-result' });
  const form = h(
    'form',
    { class: 'contact', 'data-testid': 'contact-form' },
    h('h3', {}, t('recordContact')),
    h('label', {}, t('channel'), select('channel', CHANNELS)),
    h('label', {}, t('outcome'), select('outcome', OUTCOMES)),
    h('label', {}, `${t('at')} (ISO-8601, ${timeZone})`, h('input', { name: 'at', value: now })),
    h('label', {}, t('promiseAmount'), h('input', { name: 'amount', inputmode: 'decimal' })),
    h('label', {}, t('promiseDue'), h('input', { name: 'dueOn', type: 'date' })),
    h('label', {}, t('recordingRef'), h('input', { name: 'recordingRef' })),
    h('label', { class: 'check' }, h('input', { name: 'identified', type: 'checkbox', value: 'true' }), ` ${t('identified')}`),
    h('button', { type: 'submit' }, t('submit')),
    out,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    out.replaceChildren(); // no answer of an earlier submission stays on show
    const data = new FormData(form as HTMLFormElement);
    const amount = String(data.get('amount') ?? '').trim();
    const body: Json = { channel: data.get('channel'), outcome: data.get('outcome'), at: data.get('at') };
    if (amount) body.promise = { amount: Math.round(Number(amount) * 100), dueOn: data.get('dueOn') };
    const recordingRef = String(data.get('recordingRef') ?? '').trim();
    if (recordingRef) body.recordingRef = recordingRef;
    if (data.get('identified')) body.identified = true;
    const res = await api('POST', `/collection/cases/${encodeURIComponent(caseId)}/contacts`, body);
    out.replaceChildren(outcome(res));
  });
  return form;
}

/** A command's answer: what was recorded, or the refusal with the rule's code and message. */
function outcome(res: { ok: boolean; status: number; body: Json }): HTMLElement {
  return res.ok ? h('p', { class: 'ok' }, `${t('recorded')}: ${res.body.events.join(', ')}`) : problemBox(res);
}

/** Hands the case to another collector of the team (the API checks certification, team and scope). */
async function reassignForm(caseId: string, current: string | null): Promise<HTMLElement> {
  const collectors = await api('GET', '/collection/collectors');
  const ids: string[] = collectors.ok ? collectors.body.items.map((c: Json) => c.collectorId).filter((id: string) => id !== current) : [];
  const collector = h('select', { name: 'collectorId', 'aria-label': t('collector') }, ...ids.map((id) => h('option', { value: id }, id))) as HTMLSelectElement;
  const reason = h('input', { name: 'reason', 'aria-label': t('reason'), required: 'required' }) as HTMLInputElement;
  const out = h('div', { 'data-testid': 'reassign-result' }, collectors.ok ? null : problemBox(collectors));
  const form = h(
    'form',
    { class: 'contact', 'data-testid': 'reassign-form' },
    h('h3', {}, t('reassign')),
    h('label', {}, t('collector'), collector),
    h('label', {}, t('reason'), reason),
    h('button', { type: 'submit' }, t('reassign')),
    out,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    out.replaceChildren(
      outcome(await api('POST', `/collection/cases/${encodeURIComponent(caseId)}/reassign`, { collectorId: collector.value, reason: reason.value.trim() })),
    );
  });
  return form;
}

/** The case replayed under another strategy version (any status, proposed ones too), day by day beside what it really got. */
async function whatIfPanel(caseId: string): Promise<HTMLElement> {
  const strategies = await api('GET', '/collection/strategies');
  const versions: string[] = strategies.ok ? strategies.body.items.map((v: Json) => `${v.strategyId}@${v.version}`) : [];
  const version = h('select', { name: 'version', 'aria-label': t('version') }, ...versions.map((v) => h('option', { value: v }, v))) as HTMLSelectElement;
  const out = h('div', { 'data-testid': 'what-if-result' }, strategies.ok ? null : problemBox(strategies));
  const form = h(
    'form',
    { class: 'contact', 'data-testid': 'what-if-form' },
    h('h3', {}, t('whatIf')),
    h('label', {}, t('strategy'), version),
    h('button', { type: 'submit' }, t('submit')),
    out,
  );
  const list = (actions: Json[]) => actions.map((a) => `${a.stepId} · ${a.channel} · ${a.purpose}`).join('\n');
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const [strategyId, v] = version.value.split('@');
    const res = await api('GET', `/collection/cases/${encodeURIComponent(caseId)}/what-if?strategyId=${encodeURIComponent(strategyId)}&version=${v}`);
    if (!res.ok) return void out.replaceChildren(problemBox(res));
    const sum = res.body.summary;
    out.replaceChildren(
      h(
        'p',
        { 'data-testid': 'what-if-summary' },
        `${t('actual')} ${sum.actual} · ${t('whatIfPlan')} ${sum.whatIf} · ${t('same')} ${sum.same} · ${t('onlyActual')} ${sum.onlyActual} · ${t('onlyWhatIf')} ${sum.onlyWhatIf}`,
      ),
      table(
        ['date', 'actual', 'whatIfPlan'],
        res.body.days.map((d: Json) => [d.date, h('pre', {}, list(d.actual)), h('pre', {}, list(d.whatIf))]),
        'what-if-days',
      ),
    );
  });
  return form;
}

/** A decision button: runs the command, then shows what was recorded or the refusal with the rule's message. */
function decision(label: string, out: HTMLElement, send: () => Promise<{ ok: boolean; status: number; body: Json }>, after: () => void): HTMLElement {
  return h(
    'button',
    {
      click: async () => {
        const r = await send();
        out.replaceChildren(outcome(r));
        if (r.ok) after();
      },
    },
    label,
  );
}

/**
 * Everything under four eyes that waits for this user: restructurings, field visits, write-offs,
 * strategy versions, grading policies, classification rules, contact rulebooks and restructuring
 * policies.
 */
async function showApprovals(notice?: Node): Promise<void> {
  const role = claims(state.token)!.role;
  // The open cases in the user's scope, with their details (field visits and write-offs wait on them), read once.
  let cases: Promise<Json[] | HTMLElement> | undefined;
  const openCases = () =>
    (cases ??= (async () => {
      const list = await api('GET', '/collection/cases?status=OPEN&pageSize=200');
      if (!list.ok) return problemBox(list);
      const details = await Promise.all(list.body.items.map((c: Json) => api('GET', `/collection/cases/${encodeURIComponent(c.caseId)}`)));
      return details.filter((d) => d.ok).map((d) => d.body);
    })());
  const root = main();
  const out = h('div', { 'data-testid': 'approval-result' }, notice);
  const reason = h('input', { name: 'reason', value: state.lang === 'zh' ? '审核意见' : 'reviewed', 'aria-label': t('reason') }) as HTMLInputElement;
  root.replaceChildren(h('h2', {}, t('approvals')), h('label', { class: 'reason' }, `${t('reason')} `, reason), out);
  const refresh = () => void showApprovals(out.firstChild ?? undefined);
  const sections: Promise<HTMLElement>[] = [];
  if (role === 'supervisor' || role === 'admin') {
    sections.push(
      api('GET', '/restructuring/approval-queue').then((res) =>
        h(
          'section',
          {},
          h('h3', {}, t('restructurings')),
          res.ok
            ? table(
                ['request', 'loan', 'type', 'status', 'requestedBy', 'decide'],
                res.body.items.map((r: Json) => [
                  r.requestId,
                  r.loanId,
                  r.type,
                  `${r.status} (${r.approvalsGiven}/${r.approvalsRequired ?? '?'})`,
                  r.requestedBy,
                  h(
                    'span',
                    {},
                    decision(t('approve'), out, () => api('POST', `/restructuring/requests/${encodeURIComponent(r.requestId)}/approvals`, {}), refresh),
                    ' ',
                    decision(
                      t('reject'),
                      out,
                      () => api('POST', `/restructuring/requests/${encodeURIComponent(r.requestId)}/rejection`, { reasonCode: 'OTHER' }),
                      refresh,
                    ),
                  ),
                ]),
                'approvals-restructuring',
              )
            : problemBox(res),
        ),
      ),
    );
    sections.push(
      (async () => {
        // Field visits wait on their cases: the open cases in the supervisor's scope, and their requested visits.
        const details = await openCases();
        if (!Array.isArray(details)) return details;
        const visits = details.flatMap((d) =>
          (d.fieldVisits ?? []).filter((v: Json) => v.status === 'REQUESTED').map((v: Json) => ({ ...v, caseId: d.caseId })),
        );
        return h(
          'section',
          {},
          h('h3', {}, t('fieldVisits')),
          table(
            ['caseId', 'request', 'requestedBy', 'decide'],
            visits.map((v: Json) => {
              const path = `/collection/cases/${encodeURIComponent(v.caseId)}/field-visits/${encodeURIComponent(v.visitId)}`;
              return [
                h('a', { href: `#case/${v.caseId}` }, v.caseId),
                v.visitId,
                v.requestedBy,
                h(
                  'span',
                  {},
                  decision(t('approve'), out, () => api('POST', `${path}/approve`, {}), refresh),
                  ' ',
                  decision(t('reject'), out, () => api('POST', `${path}/reject`, { reason: reason.value }), refresh),
                ),
              ];
            }),
            'approvals-visits',
          ),
        );
      })(),
    );
  }
  if (role === 'supervisor' || role === 'risk_manager') {
    sections.push(
      (async () => {
        // A write-off waits on its loan: the loans of the open cases in scope, and their pending requests.
        const details = await openCases();
        if (!Array.isArray(details)) return details;
        const loans = await Promise.all(
          [...new Set(details.map((d) => d.loanId as string))].map((loanId) => api('GET', `/loans/accounts/${encodeURIComponent(loanId)}`)),
        );
        const pending = loans.flatMap((l) => (l.ok && l.body.writeOff?.pending ? [{ loanId: l.body.loanId, ...l.body.writeOff.pending }] : []));
        return h(
          'section',
          {},
          h('h3', {}, t('writeOffs')),
          table(
            ['loan', 'request', 'requestReason', 'requestedBy', 'decide'],
            pending.map((w: Json) => {
              const path = `/loans/accounts/${encodeURIComponent(w.loanId)}/write-off/${encodeURIComponent(w.requestId)}`;
              return [
                w.loanId,
                `${w.requestId} (${w.requestedOn})`,
                w.reason,
                w.requestedBy,
                h(
                  'span',
                  {},
                  decision(t('approve'), out, () => api('POST', `${path}/approval`, {}), refresh),
                  ' ',
                  decision(t('reject'), out, () => api('POST', `${path}/rejection`, { reason: reason.value }), refresh),
                ),
              ];
            }),
            'approvals-write-offs',
          ),
        );
      })(),
    );
  }
  if (role === 'risk_manager') {
    // Grading policies and classification rules: drafts wait for a second risk manager.
    for (const [path, key, id] of [
      ['/grading/policies', 'gradingPolicies', 'approvals-grading-policies'],
      ['/grading/classification-rules', 'classificationRules', 'approvals-classification-rules'],
    ] as const) {
      sections.push(
        api('GET', `${path}?status=draft&pageSize=100`).then((res) =>
          h(
            'section',
            {},
            h('h3', {}, t(key)),
            res.ok
              ? table(
                  ['request', 'requestReason', 'requestedBy', 'decide'],
                  res.body.items.map((v: Json) => {
                    const at = `${path}/${encodeURIComponent(v.id)}`;
                    return [
                      `${v.id}@${v.version}`,
                      v.reason,
                      v.proposedBy,
                      h(
                        'span',
                        {},
                        decision(t('approve'), out, () => api('POST', `${at}/approve`, { version: v.version }), refresh),
                        ' ',
                        decision(t('reject'), out, () => api('POST', `${at}/reject`, { version: v.version, reason: reason.value }), refresh),
                      ),
                    ];
                  }),
                  id,
                )
              : problemBox(res),
          ),
        ),
      );
    }
  }
  if (role === 'risk_manager' || role === 'admin') {
    sections.push(
      api('GET', '/collection/strategies').then((res) => {
        if (!res.ok) return problemBox(res);
        const proposed = res.body.items.filter((v: Json) => v.status === 'PROPOSED');
        return h(
          'section',
          {},
          h('h3', {}, t('strategies')),
          table(
            ['strategy', 'requestReason', 'requestedBy', 'decide'],
            proposed.map((v: Json) => {
              const path = `/collection/strategies/${encodeURIComponent(v.strategyId)}/versions/${v.version}`;
              return [
                `${v.strategyId}@${v.version}`,
                v.reason,
                v.proposedBy,
                h(
                  'span',
                  {},
                  decision(t('approve'), out, () => api('POST', `${path}/approve`, {}), refresh),
                  ' ',
                  decision(t('reject'), out, () => api('POST', `${path}/reject`, { reason: reason.value }), refresh),
                ),
              ];
            }),
            'approvals-strategies',
          ),
        );
      }),
    );
  }
  if (role === 'risk_manager' || role === 'admin') {
    // Contact rulebooks: a proposal is in force only once somebody other than its proposer approves it.
    const columns: Key[] = ['version', 'effectiveFrom', 'requestReason', 'requestedBy', 'decide'];
    sections.push(
      pendingSection('/collection/contact-rules', 'contactRules', 'approvals-contact-rules', columns, (b) =>
        b.proposed.map((p: Json) => [
          p.rules.version,
          p.effectiveFrom,
          p.reason,
          p.proposedBy,
          decision(t('approve'), out, () => api('POST', `/collection/contact-rules/${encodeURIComponent(p.rules.version)}/approve`, {}), refresh),
        ]),
      ),
    );
  }
  if (role === 'risk_manager') {
    // Restructuring policies: a proposed version waits for a second risk manager (its proposal carries no reason).
    const columns: Key[] = ['version', 'proposedOn', 'requestedBy', 'decide'];
    sections.push(
      pendingSection('/restructuring/policy/proposals', 'restructuringPolicies', 'approvals-restructuring-policies', columns, (b) =>
        b.items.map((p: Json) => [
          p.version,
          p.proposedOn,
          p.proposedBy,
          decision(t('approve'), out, () => api('POST', `/restructuring/policy/versions/${encodeURIComponent(p.version)}/approval`, {}), refresh),
        ]),
      ),
    );
  }
  root.append(...(await Promise.all(sections)));
}

/** One section of the approvals inbox: what a list route says waits, as a table, or the refusal. */
type Cell = Node | string | number | null;
async function pendingSection(path: string, title: Key, testId: string, headers: Key[], rows: (body: Json) => Cell[][]): Promise<HTMLElement> {
  const res = await api('GET', path);
  return h('section', {}, h('h3', {}, t(title)), res.ok ? table(headers, rows(res.body), testId) : problemBox(res));
}

/** The auditor's desk: a loan's whole history, the state of a stream as of a business date, explain, tamper verification. */
async function showAudit(): Promise<void> {
  const root = main();
  const loan = h('input', { name: 'loanId', placeholder: 'LN-…', 'aria-label': t('loan') }) as HTMLInputElement;
  const asOf = h('input', { name: 'asOf', type: 'date', 'aria-label': t('asOf') }) as HTMLInputElement;
  const out = h('div', { 'data-testid': 'audit-result' });
  const verified = h('p', { 'data-testid': 'audit-verify' });
  const form = h(
    'form',
    { class: 'audit', 'data-testid': 'audit-form' },
    h('label', {}, `${t('loan')} `, loan),
    h('label', {}, `${t('asOf')} `, asOf),
    h('button', { type: 'submit' }, t('submit')),
  );
  root.replaceChildren(h('h2', {}, t('audit')), verified, form, out);
  const verify = await api('GET', '/audit/verify');
  verified.replaceChildren(
    verify.ok
      ? h('span', { class: verify.body.ok ? 'ok' : 'problem' }, `${t('tamper')}: ${verify.body.ok ? '✓' : '✗'} (${verify.body.checked})`)
      : problemBox(verify),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const history = await api('GET', `/audit/history?loanId=${encodeURIComponent(loan.value.trim())}&pageSize=500`);
    if (!history.ok) return void out.replaceChildren(problemBox(history));
    const explained = h('pre', { 'data-testid': 'explain' });
    const parts: HTMLElement[] = [];
    if (asOf.value) {
      const state = await api('GET', `/audit/streams/${encodeURIComponent(`loans.loan-${loan.value.trim()}`)}/state?businessDate=${asOf.value}`);
      parts.push(
        h('h3', {}, `${t('asOf')} ${asOf.value}`),
        state.ok ? h('pre', { 'data-testid': 'as-of' }, JSON.stringify(state.body, null, 2)) : problemBox(state),
      );
    }
    parts.push(
      h('h3', {}, t('timeline')),
      table(
        ['when', 'type', 'actor', 'why', 'explain'],
        history.body.items.map((ev: Json) => [
          ev.occurredAt,
          ev.type,
          ev.actor?.id,
          Object.entries(ev.policyVersions ?? {})
            .map(([k, v]) => `${k}: ${v}`)
            .join(', '),
          h(
            'button',
            {
              click: async () => {
                const r = await api('GET', `/audit/events/${encodeURIComponent(ev.eventId)}/explain`);
                explained.textContent = r.ok
                  ? r.body.chain.map((c: Json) => `${c.type} · ${c.actor?.id ?? ''} · ${c.command ?? ''}`).join('\n  ← ')
                  : `${r.status} ${r.body?.code}`;
              },
            },
            t('explain'),
          ),
        ]),
        'audit-history',
      ),
      explained,
    );
    out.replaceChildren(...parts);
  });
}

async function showDashboard(): Promise<void> {
  const root = main();
  root.replaceChildren(h('h2', {}, t('dashboard')));
  // The window is the business calendar's, never the browser's clock: the 90 days up to the last closed day.
  const calendar = await api('GET', '/loans/calendar');
  if (!calendar.ok) return void root.append(problemBox(calendar));
  const to: string = calendar.body.lastClosed ?? calendar.body.openBusinessDate;
  if (!to) return void root.append(h('p', { class: 'empty' }, t('empty')));
  const from = new Date(Date.parse(`${to}T00:00:00Z`) - 89 * 86_400_000).toISOString().slice(0, 10);
  const window = `from=${from}&to=${to}`;
  root.append(h('p', { 'data-testid': 'kpi-window' }, `${from} – ${to}`));
  const [aging, cure, kept, roll, reviews] = await Promise.all([
    api('GET', '/loans/aging'),
    api('GET', `/monitoring/kpis/cure_rate?${window}&granularity=total&groupBy=variant`),
    api('GET', `/monitoring/kpis/promise_kept_rate?${window}&granularity=total&groupBy=variant`),
    api('GET', `/monitoring/kpis/roll_rate?${window}&granularity=month`),
    api('GET', '/monitoring/reviews'),
  ]);
  const grid = h('div', { class: 'charts' });
  root.append(grid);
  if (aging.ok) {
    const latest = aging.body.dates.at(-1);
    grid.append(
      bars(
        `${t('aging')}${latest ? ` · ${latest.businessDate}` : ''}`,
        (latest?.stages ?? []).map((s: Json) => ({ label: s.stage, value: s.balance, text: `${yuan(s.balance)} (${s.loans})` })),
        'chart-aging',
      ),
    );
  } else grid.append(problemBox(aging));
  for (const [res, key, id, label] of [
    [cure, 'cureByVariant', 'chart-cure', 'variant'],
    [kept, 'promiseKeptByVariant', 'chart-kept', 'variant'],
    [roll, 'rollByMonth', 'chart-roll', 'period'],
  ] as const) {
    if (!res.ok) {
      grid.append(problemBox(res));
      continue;
    }
    grid.append(
      bars(
        t(key),
        res.body.rows.map((r: Json) => ({
          label: String(r[label] ?? r.period),
          value: r.rate ?? 0,
          text: `${percent(r.rate)} (${r.numerator}/${r.denominator})`,
        })),
        id,
      ),
    );
  }
  root.append(h('h3', {}, t('reviews')));
  root.append(
    reviews.ok
      ? table(
          ['when', 'strategy', 'recommendation', 'pValue'],
          reviews.body.items.map((r: Json) => [
            r.asOf ?? r.completedAt,
            `${r.strategyId}${r.strategyVersion ? `@${r.strategyVersion}` : ''} · ${r.segment?.label ?? ''}`,
            r.recommendation,
            typeof r.pValue === 'number' ? r.pValue.toFixed(3) : '–',
          ]),
          'reviews',
        )
      : problemBox(reviews),
  );
}

// Shell: sign-in, navigation, language

function signInWith(token: string, dev: boolean): void {
  state.token = token;
  state.dev = dev;
  sessionStorage.setItem('arrears.token', token);
  sessionStorage.setItem('arrears.dev', dev ? '1' : '0');
  location.hash = '';
  void render();
}

function showSignIn(message?: string): void {
  const input = h('textarea', { id: 'token', rows: '4', 'aria-label': t('tokenLabel') });
  const form = h(
    'form',
    { class: 'signin', 'data-testid': 'signin' },
    h('label', { for: 'token' }, t('tokenLabel')),
    input,
    h('p', { class: 'hint' }, t('tokenHint'), h('code', {}, 'npm run -s cli -- token --role collector --user col-1 --team T1')),
    message ? h('p', { class: 'problem', role: 'alert' }, message) : null,
    h('button', { type: 'submit' }, t('signIn')),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const token = (input as HTMLTextAreaElement).value.trim();
    if (!claims(token)) return showSignIn(t('badToken'));
    signInWith(token, false);
  });
  document.getElementById('nav')!.replaceChildren();
  main().replaceChildren(form);
  // The server offers the development sign-in on the embedded default only (the page says so).
  if (document.body.dataset.devSignIn === 'true') main().append(devSignInForm());
}

/** Mints a token for a chosen role and id (POST /console/dev-token, development only). */
function devSignInForm(): HTMLElement {
  const role = h('select', { name: 'role', 'aria-label': t('role') }, ...Object.keys(VIEWS).map((r) => h('option', { value: r }, r))) as HTMLSelectElement;
  const user = h('input', { name: 'user', value: 'col-1', 'aria-label': t('user') }) as HTMLInputElement;
  const team = h('input', { name: 'team', value: 'T1', 'aria-label': t('team') }) as HTMLInputElement;
  const out = h('div', { 'data-testid': 'dev-sign-in-result' });
  const form = h(
    'form',
    { class: 'signin dev', 'data-testid': 'dev-sign-in' },
    h('strong', {}, t('devSignIn')),
    h('p', { class: 'hint' }, t('devSignInHint')),
    h('label', {}, `${t('role')} `, role),
    h('label', {}, `${t('user')} `, user),
    h('label', {}, `${t('team')} `, team),
    out,
    h('button', { type: 'submit' }, t('devSignInAs')),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const res = await fetch('/console/dev-token', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ role: role.value, user: user.value.trim(), ...(team.value.trim() ? { team: team.value.trim() } : {}) }),
    });
    const body = await res.json().catch(() => null);
    if (!res.ok || typeof body?.token !== 'string') return void out.replaceChildren(problemBox({ status: res.status, body }));
    signInWith(body.token, true);
  });
  return form;
}

function nav(views: string[]): void {
  const who = claims(state.token)!;
  document.getElementById('nav')!.replaceChildren(
    ...views.map((v) => h('a', { href: `#${v}`, class: location.hash.slice(1).startsWith(v) ? 'active' : '' }, t(v as Key))),
    h(
      'span',
      { class: 'who', 'data-testid': 'who' },
      `${who.sub} · ${who.role}${who.team ? ` · ${who.team}` : ''}`,
      state.dev ? h('span', { class: 'dev-badge', 'data-testid': 'dev-badge' }, ` ${t('devToken')} `) : null,
    ),
    h(
      'button',
      {
        click: () => {
          state.token = '';
          state.dev = false;
          sessionStorage.removeItem('arrears.token');
          sessionStorage.removeItem('arrears.dev');
          showSignIn();
        },
      },
      t('signOut'),
    ),
  );
}

async function render(): Promise<void> {
  document.documentElement.lang = state.lang === 'zh' ? 'zh-CN' : 'en';
  document.getElementById('title')!.textContent = t('title');
  document.getElementById('lang')!.textContent = t('language');
  const who = claims(state.token);
  if (!who) return showSignIn();
  const views = VIEWS[who.role] ?? [];
  const [view, arg] = location.hash.slice(1).split('/');
  nav(views);
  if (view === 'case' && arg) return showCase(decodeURIComponent(arg));
  const chosen = views.includes(view) ? view : views[0];
  if (chosen === 'queue') return showQueue();
  if (chosen === 'cases') return showCases();
  if (chosen === 'approvals') return showApprovals();
  if (chosen === 'dashboard') return showDashboard();
  if (chosen === 'audit') return showAudit();
  main().replaceChildren(h('p', {}, t('empty')));
}

document.getElementById('lang')!.addEventListener('click', () => {
  state.lang = state.lang === 'zh' ? 'en' : 'zh';
  localStorage.setItem('arrears.lang', state.lang);
  void render();
});
window.addEventListener('hashchange', () => void render());
void render();
