/**
 * Operator commands, sharing the app's configuration (same environment variables): `token`
 * mints a token on the embedded default, `projections status|rebuild|verify` operate the read
 * models. `--help` on any of them says how it is used; an unknown option prints the usage, exit 2.
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { ProjectionRunner, ReactorNotRebuildableError } from '#projections';
import { CUSTOMER_CHANNELS, ROLES, loadConfig, mintToken, type CustomerChannel, type StaffRole } from '#platform';
import { CONTEXTS } from './contexts.js';
import { ALL_MIGRATIONS } from './migrations.js';
import { authSettings, createRuntime } from './runtime.js';

const HELP: Record<string, string> = {
  token: `arrears token --role <${ROLES.join('|')}> --user <id> [--team <team>] [--expires 12h]
arrears token --role customer --user <customer id> [--channel ${CUSTOMER_CHANNELS.join('|')}] [--act <client id>]
  Mints a bearer token signed with the embedded default's secret (JWT_SECRET, or the one generated
  into the data directory). Not available when JWKS_URL is set: the identity provider issues tokens.
    --role      the role the token carries (required)
    --user      the subject, e.g. col-1, or the customer's id for a customer token (required)
    --team      the team a collector or supervisor belongs to (their row-level scope)
    --channel   a customer token's channel (the bank's app or web portal)
    --act       a customer token's client: the service acting for the customer (act.sub)
    --expires   lifetime, e.g. 30m, 12h, 7d (default 12h)`,
  projections: `arrears projections <status|rebuild|verify> [<name|all>]
  status              every projection and reactor: checkpoint, lag, halted or running
  rebuild <name|all>  rebuilds a read model into new tables and swaps them in (blue/green); a
                      reactor without tables is refused (REACTOR_NOT_REBUILDABLE), skipped for all
  verify <name|all>   rebuilds into scratch tables and compares them with the live ones; a reactor's
                      record of decided triggers is checked against the store. Exit 1 on a difference.
  Nothing is appended or published by any of them.`,
};

const USAGE = `usage:
  arrears token --role <role> --user <id> [--team <team>] [--expires 12h]   mint a token (embedded default)
  arrears token --role customer --user <customer id> [--channel APP|WEB] [--act <client id>]
  arrears projections status                                               list projections and reactors
  arrears projections rebuild <name|all>                                   blue/green rebuild
  arrears projections verify <name|all>                                    compare with a rebuild
  arrears <command> --help                                                 a command's options`;

/** Usage for a mistake: on stderr, exit status 2. */
function usage(problem?: string, command?: string): number {
  process.stderr.write(`${problem ? `${problem}\n` : ''}${command && HELP[command] ? HELP[command] : USAGE}\n`);
  return 2;
}

async function main(argv: string[]): Promise<number> {
  const options = {
    role: { type: 'string' },
    user: { type: 'string' },
    team: { type: 'string' },
    channel: { type: 'string' },
    act: { type: 'string' },
    expires: { type: 'string', default: '12h' },
    help: { type: 'boolean', short: 'h', default: false },
  } as const;
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options });
  } catch (err) {
    // An unknown option or a missing value: say which, then how the command is used.
    const command = argv.find((a) => !a.startsWith('-'));
    return usage((err as Error).message, command);
  }
  const { values, positionals } = parsed;
  const [command, sub, name] = positionals;
  if (values.help) {
    process.stdout.write(`${command && HELP[command] ? HELP[command] : USAGE}\n`);
    return 0;
  }
  if (command !== 'token' && command !== 'projections') return usage(command ? `unknown command: ${command}` : undefined);
  if (command === 'projections' && (values.role || values.user || values.team || values.channel || values.act))
    return usage('projections takes no token options', 'projections');
  const config = loadConfig(process.env);
  if (command === 'token') {
    const auth = authSettings(config);
    if (!('secret' in auth) || !auth.secret) {
      process.stderr.write('tokens come from the identity provider when JWKS_URL is set\n');
      return 2;
    }
    if (!values.role || !(ROLES as readonly string[]).includes(values.role) || !values.user) {
      return usage(
        values.role && !(ROLES as readonly string[]).includes(values.role) ? `unknown role: ${values.role}` : '--role and --user are required',
        'token',
      );
    }
    const channel = values.channel as CustomerChannel | undefined;
    if (channel !== undefined && !CUSTOMER_CHANNELS.includes(channel)) return usage(`unknown channel: ${channel}`, 'token');
    const token = await mintToken(
      { issuer: auth.issuer, audience: auth.audience, secret: auth.secret },
      { sub: values.user, role: values.role as StaffRole, team: values.team, channel, ...(values.act ? { act: { sub: values.act } } : {}) },
      values.expires,
    );
    process.stdout.write(`${token}\n`);
    return 0;
  }
  if (sub !== 'status' && sub !== 'rebuild' && sub !== 'verify') return usage(sub ? `unknown projections command: ${sub}` : undefined, 'projections');
  if (sub !== 'status' && !name) return usage(`projections ${sub} needs a projection name or all`, 'projections');
  const runtime = await createRuntime(config, { migrations: ALL_MIGRATIONS });
  try {
    const runner = new ProjectionRunner(
      runtime.pool,
      runtime.store,
      CONTEXTS.flatMap((c) => c.projections),
    );
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

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
