import { connect, type Socket } from 'node:net';
import { SignJWT } from 'jose';
import { auditContext } from '#audit';
import { TEST_JWT_SECRET, bootApp, type TestApp } from '#test-support/app.js';
import { tallyContext } from '#test-support/tally/tally.js';

/** What a raw socket received until the server closed it, and whether it did within `withinMs`. */
interface RawOutcome {
  readonly response: string;
  readonly closed: boolean;
}

function open(baseUrl: string): Promise<Socket> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Resolves when the server closes the socket (with all it sent), or after `withinMs` with closed: false. */
function outcome(socket: Socket, withinMs: number): Promise<RawOutcome> {
  let response = '';
  socket.on('data', (chunk) => (response += chunk.toString('utf8')));
  socket.on('error', () => undefined);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ response, closed: false });
    }, withinMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve({ response, closed: true });
    });
  });
}

function problemOf(raw: string): { status: number; contentType: string | undefined; body: any } {
  const [head, ...rest] = raw.split('\r\n\r\n');
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
  const contentType = /\r\ncontent-type: *([^\r\n]+)/i.exec(head)?.[1];
  return { status, contentType, body: JSON.parse(rest.join('\r\n\r\n')) };
}

describe('HTTP hardening: timeouts, connection limit, hostile input', () => {
  let t: TestApp;
  let token: string;

  beforeAll(async () => {
    t = await bootApp([tallyContext, auditContext], { HTTP_REQUEST_TIMEOUT_MS: '1500', HTTP_HEADERS_TIMEOUT_MS: '1000' });
    token = await t.token('admin', 'admin-1');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('cuts off a body sent one byte at a time with 408 problem+json', async () => {
    const socket = await open(t.baseUrl);
    const done = outcome(socket, 10_000);
    socket.write(`POST /tallies HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 60\r\n\r\n`);
    let sent = 0;
    const drip = setInterval(() => {
      if (!socket.destroyed) socket.write('{"tallyId":"slow-1","limit":1}'.charAt(sent++ % 30));
    }, 300);
    const result = await done;
    clearInterval(drip);
    expect(result.closed).toBe(true);
    // Cut at the 1.5 s deadline (checked every 250 ms): well before the 60 bytes, or 18 s, the body needs.
    expect(sent).toBeLessThan(12);
    const answer = problemOf(result.response);
    expect(answer.status).toBe(408);
    expect(answer.contentType).toContain('application/problem+json');
    expect(answer.body.code).toBe('REQUEST_TIMEOUT');
    expect(await t.runtime.store.readStream('tally.tally-slow-1')).toEqual([]);
  });

  it('cuts off headers that never end', async () => {
    const socket = await open(t.baseUrl);
    const done = outcome(socket, 10_000);
    socket.write('GET /health/live HTTP/1.1\r\nHost: x\r\n');
    const result = await done;
    expect(result.closed).toBe(true);
    expect(problemOf(result.response)).toMatchObject({ status: 408, body: { code: 'REQUEST_TIMEOUT' } });
  });

  it.each([
    ['a path', '/tallies/ok%00x'],
    ['a query', '/audit/history?streamId=tally.tally-a%00'],
    ['an audited path', '/audit/streams/tally.tally-%00/state'],
    ['a lower-case query key', '/audit/access-log?subject=%00'],
  ])('refuses a NUL byte in %s with 400 VALIDATION_FAILED', async (_what, path) => {
    const res = await t.request('GET', path);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body.code).toBe('VALIDATION_FAILED');
  });

  it('refuses a NUL character in a JSON body with 400, appending nothing', async () => {
    const res = await t.request('POST', '/tallies', { tallyId: 'nul-1', limit: 1, note: 'a\u0000b' });
    expect([res.status, res.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(await t.runtime.store.readStream('tally.tally-nul-1')).toEqual([]);
  });

  it("answers the router's 400 and 414 and Node's 431 as problem+json", async () => {
    const badUrl = await t.request('GET', '/tallies/%E0%A4%A');
    expect([badUrl.status, badUrl.headers.get('content-type')?.split(';')[0], badUrl.body.code]).toEqual([
      400,
      'application/problem+json',
      'MALFORMED_REQUEST',
    ]);
    const long = await t.request('GET', `/tallies/${'x'.repeat(500)}`);
    expect([long.status, long.headers.get('content-type')?.split(';')[0], long.body.code]).toEqual([414, 'application/problem+json', 'URI_TOO_LONG']);

    const socket = await open(t.baseUrl);
    const done = outcome(socket, 10_000);
    socket.write(`GET /health/live HTTP/1.1\r\nHost: x\r\nX-Pad: ${'y'.repeat(20_000)}\r\n\r\n`);
    const big = problemOf((await done).response);
    expect(big).toMatchObject({ status: 431, contentType: 'application/problem+json', body: { code: 'HEADERS_TOO_LARGE', status: 431 } });
  });

  it('refuses a token without exp, and one issued in the future, with 401', async () => {
    const secret = new TextEncoder().encode(TEST_JWT_SECRET);
    const base = () => new SignJWT({ role: 'admin' }).setProtectedHeader({ alg: 'HS256' }).setSubject('admin-1').setIssuer('arrears').setAudience('arrears');
    const noExp = await base().setIssuedAt().sign(secret);
    const future = await base()
      .setIssuedAt(Math.floor(Date.now() / 1000) + 3_600)
      .setExpirationTime('2h')
      .sign(secret);
    const fine = await base().setIssuedAt().setExpirationTime('1h').sign(secret);
    const call = (jwt: string) => fetch(`${t.baseUrl}/admin/projections`, { headers: { authorization: `Bearer ${jwt}` } });
    const [a, b, c] = await Promise.all([call(noExp), call(future), call(fine)]);
    expect([a.status, b.status, c.status]).toEqual([401, 401, 200]);
    expect(a.headers.get('content-type')).toContain('application/problem+json');
    expect(((await a.json()) as { code: string }).code).toBe('UNAUTHENTICATED');
  });

  it('refuses a body declared in a charset other than UTF-8 with 415, and takes UTF-8', async () => {
    const latin = await t.request('POST', '/tallies', '{"tallyId":"cs-1","limit":5}', { 'content-type': 'application/json; charset=ISO-8859-1' });
    expect([latin.status, latin.body.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    expect(await t.runtime.store.readStream('tally.tally-cs-1')).toEqual([]);
    const utf8 = await t.request('POST', '/tallies', '{"tallyId":"cs-2","limit":5}', { 'content-type': 'application/json; charset=UTF-8' });
    expect(utf8.status).toBe(201);
  });

  it('refuses a form-encoded body on a command route with 415, appending nothing', async () => {
    const res = await t.request('POST', '/tallies', 'tallyId=form-1&limit=5', { 'content-type': 'application/x-www-form-urlencoded' });
    expect([res.status, res.headers.get('content-type')?.split(';')[0], res.body.code]).toEqual([415, 'application/problem+json', 'UNSUPPORTED_MEDIA_TYPE']);
    expect(await t.runtime.store.readStream('tally.tally-form-1')).toEqual([]);
  });
});

describe('HTTP hardening: the connection limit', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp([tallyContext], { HTTP_MAX_CONNECTIONS: '3' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('closes connections past HTTP_MAX_CONNECTIONS at once and serves those within it', async () => {
    const held = await Promise.all([open(t.baseUrl), open(t.baseUrl), open(t.baseUrl)]);
    const extra = await open(t.baseUrl);
    const refused = await outcome(extra, 5_000);
    expect(refused).toEqual({ closed: true, response: '' });
    // The held ones still work.
    const first = held[0];
    const served = outcome(first, 5_000);
    first.write('GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect((await served).response).toMatch(/^HTTP\/1\.1 200/);
    for (const s of held) s.destroy();
  });
});
