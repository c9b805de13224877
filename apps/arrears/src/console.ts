import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ProblemException, ZodPipe, fields, mintToken, type AppConfig, type AuthSettings } from '#platform';

/**
 * The staff console at /console: one HTML page and the script the build compiled from
 * apps/console/src/console.ts. Both are public like /docs; everything the page shows comes from
 * the JSON API with the signed-in user's token, under the same route × role matrix as any client.
 */
const page = (devSignIn: boolean) => `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Arrears</title>
<style>
  :root { font-family: system-ui, "Noto Sans CJK SC", "PingFang SC", sans-serif; color: #1d2733; background: #f5f7fa; }
  body { margin: 0; }
  header { display: flex; align-items: center; gap: 1rem; padding: .6rem 1.2rem; background: #1f3a5f; color: #fff; }
  header h1 { font-size: 1.1rem; margin: 0; }
  header button { margin-left: auto; }
  nav { display: flex; gap: 1rem; align-items: center; padding: .5rem 1.2rem; background: #dfe6ee; }
  nav a { color: #1f3a5f; text-decoration: none; }
  nav a.active { font-weight: 700; text-decoration: underline; }
  nav .who { margin-left: auto; color: #445; font-size: .9rem; }
  main { padding: 1rem 1.2rem; max-width: 1100px; }
  table { border-collapse: collapse; width: 100%; background: #fff; margin-bottom: 1rem; font-size: .9rem; }
  th, td { border-bottom: 1px solid #e3e8ee; padding: .35rem .5rem; text-align: left; vertical-align: top; }
  th { background: #eef2f6; }
  dl.facts { display: grid; grid-template-columns: max-content 1fr max-content 1fr; gap: .3rem 1rem; background: #fff; padding: .8rem; }
  dt { color: #667; }
  dd { margin: 0; font-weight: 600; }
  form.contact, form.signin { display: grid; gap: .5rem; max-width: 520px; background: #fff; padding: .8rem; margin-bottom: 1rem; }
  form.contact label { display: grid; gap: .2rem; }
  form.contact label.check { display: flex; gap: .4rem; align-items: center; }
  .problem { border-left: 4px solid #c0392b; background: #fdecea; padding: .5rem .8rem; margin: .5rem 0; }
  .ok { border-left: 4px solid #2e7d32; background: #e8f5e9; padding: .5rem .8rem; }
  .charts { display: flex; flex-wrap: wrap; gap: 1rem; }
  figure { background: #fff; padding: .8rem; margin: 0; }
  figcaption { font-weight: 600; margin-bottom: .4rem; }
  svg text { font-size: 12px; fill: #334; }
  rect.bar { fill: #3d7cc9; }
  .empty { color: #889; }
  .dev { border: 2px dashed #b26a00; background: #fff8e1; }
  .dev-badge { background: #b26a00; color: #fff; padding: .1rem .4rem; font-size: .8rem; }
  code { background: #eef2f6; padding: .1rem .3rem; display: inline-block; }
</style>
</head>
<body${devSignIn ? ' data-dev-sign-in="true"' : ''}>
<header><h1 id="title">催收工作台</h1><button id="lang" type="button">English</button></header>
<nav id="nav"></nav>
<main id="main"></main>
<script type="module" src="/console/console.js"></script>
</body>
</html>
`;

/** The compiled console script: `dist/apps/console/src/console.js` of the package this file belongs to. */
function consoleScript(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dirname(dir) !== dir; dir = dirname(dir)) {
    if (!existsSync(join(dir, 'package.json'))) continue;
    const file = join(dir, 'dist', 'apps', 'console', 'src', 'console.js');
    if (existsSync(file)) return readFileSync(file, 'utf8');
    break;
  }
  return `document.body.textContent = 'The console is not built: run npm run build.';`;
}

/** The roles the console has views for; the development sign-in mints tokens for these only. */
const CONSOLE_ROLES = ['collector', 'supervisor', 'risk_manager', 'auditor', 'admin'] as const;

const DevSignInBody = z.strictObject({
  role: z.enum(CONSOLE_ROLES),
  user: fields.id.describe('the subject recorded on events, e.g. col-1'),
  team: fields.id.optional().describe('the team of a collector or supervisor, e.g. T1'),
});

/** How long a development token lasts (a working day). */
const DEV_TOKEN_LIFETIME = '8h';

export type DevSignIn = Pick<AuthSettings, 'issuer' | 'audience'> & { readonly secret: Uint8Array };

/**
 * The development sign-in's signing settings: on the embedded default only (a local HS256 secret,
 * no JWKS_URL) and never with NODE_ENV=production (the container image, which may run with a
 * JWT_SECRET on a network address). Otherwise null, and the route does not exist.
 */
export function devSignIn(config: Pick<AppConfig, 'NODE_ENV'>, auth: AuthSettings): DevSignIn | null {
  if (auth.jwksUrl || !auth.secret || config.NODE_ENV === 'production') return null;
  return { issuer: auth.issuer, audience: auth.audience, secret: auth.secret };
}

export function registerConsole(fastify: FastifyInstance, dev: DevSignIn | null): void {
  const script = consoleScript().replace(/\/\/# sourceMappingURL=.*$/m, '');
  const headers = { 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' };
  fastify.get('/console', async (_request, reply) => reply.redirect('/console/'));
  fastify.get('/console/', async (_request, reply) =>
    reply
      .headers({ ...headers, 'content-security-policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:" })
      .type('text/html; charset=utf-8')
      .send(page(dev !== null)),
  );
  fastify.get('/console/console.js', async (_request, reply) => reply.headers(headers).type('text/javascript; charset=utf-8').send(script));
  if (!dev) return;
  // Development only: anyone who reaches the page may sign in as anybody, as the CLI's `token` does
  // for anyone with the data directory. Each minting is logged.
  fastify.post('/console/dev-token', async (request, reply) => {
    let body: z.infer<typeof DevSignInBody>;
    try {
      body = new ZodPipe(DevSignInBody).transform(request.body);
    } catch (err) {
      if (!(err instanceof ProblemException)) throw err;
      return reply
        .code(err.problem.status)
        .type('application/problem+json')
        .send({ ...err.problem, instance: request.url, correlationId: String(request.id) });
    }
    const token = await mintToken(dev, { sub: body.user, role: body.role, team: body.team }, DEV_TOKEN_LIFETIME);
    request.log.warn({ sub: body.user, role: body.role, team: body.team }, 'development sign-in minted a token');
    return reply
      .code(201)
      .headers({ 'cache-control': 'no-store' })
      .send({ token, sub: body.user, role: body.role, team: body.team ?? null, expiresIn: DEV_TOKEN_LIFETIME, developmentOnly: true });
  });
}
