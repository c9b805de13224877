/**
 * Operator commands, sharing the app's configuration (same environment variables):
 *   token --role <role> --user <id> [--team <team>] [--expires 12h]   mint a token (embedded default)
 *         a customer token: --role customer --user <customer id> [--channel APP|WEB] [--act <client id>]
 *   projections status                                                  list projections
 *   projections rebuild <name|all>                                      blue/green rebuild
 *   projections verify <name|all>                                       rebuild into scratch tables and diff
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { ProjectionRunner, ReactorNotRebuildableError } from '#projections';
import { CUSTOMER_CHANNELS, ROLES, loadConfig, mintToken, type CustomerChannel, type StaffRole } from '#platform';
import { CONTEXTS } from './contexts.js';
import { ALL_MIGRATIONS } from './migrations.js';
import { authSettings, createRuntime } from './runtime.js';

const USAGE = `usage:
  arrears token --role <${ROLES.join('|')}> --user <id> [--team <team>] [--expires 12h]
  arrears token --role customer --user <customer id> [--channel APP|WEB] [--act <client id>]
  arrears projections status
  arrears projections rebuild <name|all>
  arrears projections verify <name|all>`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      role: { type: 'string' },
      user: { type: 'string' },
      team: { type: 'string' },
      channel: { type: 'string' },
      act: { type: 'string' },
      expires: { type: 'string', default: '12h' },
    },
  });
  const config = loadConfig(process.env);
  const [command, sub, name] = positionals;
  if (command === 'token') {
    const auth = authSettings(config);
    if (!('secret' in auth) || !auth.secret) {
      process.stderr.write('tokens come from the identity provider when JWKS_URL is set\n');
      return 2;
    }
    const channel = values.channel as CustomerChannel | undefined;
    if (!values.role || !(ROLES as readonly string[]).includes(values.role) || !values.user || (channel !== undefined && !CUSTOMER_CHANNELS.includes(channel))) {
      process.stderr.write(`${USAGE}\n`);
      return 2;
    }
    const token = await mintToken(
      { issuer: auth.issuer, audience: auth.audience, secret: auth.secret },
      { sub: values.user, role: values.role as StaffRole, team: values.team, channel, ...(values.act ? { act: { sub: values.act } } : {}) },
      values.expires,
    );
    process.stdout.write(`${token}\n`);
    return 0;
  }
  if (command === 'projections' && (sub === 'status' || sub === 'rebuild' || sub === 'verify')) {
    const runtime = await createRuntime(config, { migrations: ALL_MIGRATIONS });
    try {
      const runner = new ProjectionRunner(runtime.pool, runtime.store, CONTEXTS.flatMap((c) => c.projections));
      await runner.install();
      if (sub === 'verify') {
        const names = name === 'all' ? runner.projections.map((p) => p.name) : [name];
        let ok = true;
        for (const n of names) {
          const report = await runner.verify(n);
          ok &&= report.ok;
          process.stdout.write(`${JSON.stringify(report)}\n`);
        }
        return ok ? 0 : 1;
      }
      if (sub === 'rebuild') {
        const names = name === 'all' ? runner.projections.map((p) => p.name) : [name];
        for (const n of names) {
          try {
            process.stdout.write(`${JSON.stringify({ projection: n, ...(await runner.rebuild(n)) })}\n`);
          } catch (err) {
            // A reactor without tables decides each trigger once: there is nothing to rebuild.
            if (!(err instanceof ReactorNotRebuildableError) || name !== 'all') throw err;
            process.stdout.write(`${JSON.stringify({ projection: n, skipped: err.code })}\n`);
          }
        }
      }
      for (const s of await runner.status()) process.stdout.write(`${JSON.stringify(s)}\n`);
    } finally {
      await runtime.close();
    }
    return 0;
  }
  process.stderr.write(`${USAGE}\n`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
