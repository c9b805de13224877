import { isIP } from 'node:net';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { z } from 'zod';

const ROLES = ['api', 'projections', 'relay'] as const;
export type ProcessRole = (typeof ROLES)[number];

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** Every setting the app reads, from the environment. See the README's configuration table. */
const settingsSchema = z.object({
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  ARREARS_DATA_DIR: z.string().min(1).default('./data'),
  EMBEDDED_PG_PORT: int(0, 65535).default(0),
  EVENTSTORE_URL: z
    .string()
    .regex(/^esdb(\+discover)?:\/\//, 'must be an esdb:// or esdb+discover:// connection string')
    .optional(),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: int(0, 65535).default(3000),
  PROBE_PORT: int(0, 65535)
    .optional()
    .describe(
      'when set, /health/live and /health/ready are also answered on this port by a thread of their own, from the last check, whatever the load (0: any free port)',
    ),
  ARREARS_ROLES: z
    .string()
    .default('api,projections,relay')
    .transform((v, ctx) => {
      const roles = v
        .split(',')
        .map((r) => r.trim())
        .filter(Boolean);
      for (const r of roles) {
        if (!(ROLES as readonly string[]).includes(r)) ctx.addIssue({ code: 'custom', message: `unknown role "${r}" (roles: ${ROLES.join(', ')})` });
      }
      return roles as ProcessRole[];
    }),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DB_POOL_SIZE: int(2, 500).default(20),
  PROJECTION_BATCH_SIZE: int(1, 100_000).default(500),
  PROJECTION_POLL_MS: int(10, 60_000).default(1000),
  SHUTDOWN_TIMEOUT_MS: int(100, 600_000).default(10_000),
  BODY_LIMIT_BYTES: int(1024, 50_000_000).default(1_000_000),
  // HTTP server limits (libs/platform/src/http/hardening.ts): a slow or idle client cannot hold a
  // connection open, and the number of open connections is bounded.
  HTTP_REQUEST_TIMEOUT_MS: int(100, 600_000)
    .default(30_000)
    .describe('longest time to receive a whole request, headers and body; a slower one is answered 408 and closed'),
  HTTP_HEADERS_TIMEOUT_MS: int(100, 600_000).default(10_000).describe('longest time to receive the request headers (at most HTTP_REQUEST_TIMEOUT_MS)'),
  HTTP_IDLE_TIMEOUT_MS: int(100, 3_600_000).default(60_000).describe('a connection with no bytes in either direction for this long is closed'),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: int(100, 3_600_000).default(72_000).describe('how long an idle keep-alive connection waits for its next request'),
  HTTP_MAX_CONNECTIONS: int(1, 1_000_000).default(4_096).describe('open connections per process; connections beyond it are closed at once'),
  PRETTY_LOGS: bool.default(false),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  JWKS_URL: z.url({ protocol: /^https?$/ }).optional(),
  JWT_ISSUER: z.string().min(1).default('arrears'),
  JWT_AUDIENCE: z.string().min(1).default('arrears'),
  // Kafka (libs/messaging, docs/messaging.md). Unset KAFKA_BROKERS: no relay and no inbound consumers.
  KAFKA_BROKERS: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((b) => b.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(/^[^\s:/]+:\d{1,5}$/, 'each broker must be host:port')).min(1))
    .optional(),
  KAFKA_CLIENT_ID: z.string().min(1).default('arrears'),
  KAFKA_GROUP_ID: z.string().min(1).default('arrears'),
  KAFKA_SSL: bool.default(false),
  KAFKA_SASL_MECHANISM: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional(),
  KAFKA_SASL_USERNAME: z.string().min(1).optional(),
  KAFKA_SASL_PASSWORD: z.string().min(1).optional(),
  KAFKA_IDEMPOTENT: bool.default(false),
  KAFKA_REQUEST_TIMEOUT_MS: int(100, 300_000).default(30_000),
  KAFKA_SESSION_TIMEOUT_MS: int(1_000, 300_000).default(30_000),
  RELAY_BATCH_SIZE: int(1, 10_000).default(500),
  RELAY_BACKOFF_MAX_MS: int(10, 600_000).default(30_000),
  IDEMPOTENCY_WINDOW_HOURS: int(1, 24 * 90).default(72),
  IDEMPOTENCY_WAIT_MS: int(0, 600_000)
    .default(10_000)
    .describe('how long a repeat of a request still in flight waits for its answer before 409 IDEMPOTENCY_KEY_IN_FLIGHT'),
  IDEMPOTENCY_LEASE_MS: int(1_000, 3_600_000)
    .default(60_000)
    .describe('after this long an unfinished first request (its process died) no longer holds its key; a repeat runs it again'),
  // Rate limits (libs/platform/src/http/rate-limit.ts, docs/runbook.md). Counted in Postgres for
  // all replicas together (or per process), in fixed windows; /health and /metrics are never limited.
  RATE_LIMIT_STORE: z
    .enum(['postgres', 'memory'])
    .default('postgres')
    .describe('postgres: counted once for all replicas (one upsert per request); memory: per process, so N replicas allow N times the limit'),
  TRUSTED_PROXIES: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((a) => a.trim())
        .filter(Boolean),
    )
    .pipe(
      z
        .array(
          z.string().refine((a) => {
            if (['loopback', 'linklocal', 'uniquelocal'].includes(a)) return true;
            const [address, bits, ...rest] = a.split('/');
            const family = isIP(address);
            return family !== 0 && rest.length === 0 && (bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128)));
          }, 'each entry must be an IP address, a CIDR range, or loopback / linklocal / uniquelocal'),
        )
        .min(1),
    )
    .optional()
    .describe(
      'addresses or CIDR ranges of the load balancers in front: X-Forwarded-For is believed from them only, so callers are counted by their own address',
    ),
  RATE_LIMIT_WINDOW_MS: int(1_000, 3_600_000).default(60_000).describe('length of a rate-limit window in milliseconds'),
  RATE_LIMIT_MAX: int(1, 10_000_000)
    .default(600)
    .describe('requests per window for one authenticated principal (the token subject), whatever its role but service'),
  RATE_LIMIT_SERVICE_MAX: int(0, 100_000_000)
    .default(0)
    .describe('requests per window for one principal with role service (core banking, channel executors); 0 = not limited'),
  RATE_LIMIT_CUSTOMER_MAX: int(1, 10_000_000)
    .default(120)
    .describe("requests per window for one customer (role customer, the bank's app or web portal acting for them), counted per customer id"),
  RATE_LIMIT_ANONYMOUS_MAX: int(1, 10_000_000)
    .default(120)
    .describe('requests per window from one client address without a valid bearer token (API docs, refused tokens)'),
  // Complaints and disputes (libs/self-service, docs/self-service.md): deadlines in days after the
  // business date a complaint is raised on, on Loans' business calendar.
  COMPLAINT_ACKNOWLEDGE_DAYS: int(0, 30).default(2).describe('days after it is raised by which a complaint must be acknowledged'),
  COMPLAINT_RESOLUTION_DAYS: int(1, 90)
    .default(15)
    .describe('days after it is raised by which a complaint must be resolved; an end of day past it escalates the complaint'),
  COMPLAINT_EXTENSION_MAX_DAYS: int(0, 90)
    .default(15)
    .describe("days by which the investigator may extend a complaint's resolution deadline, once, before it passes (0: never)"),
  // Collection's in-process dispatch scheduler (libs/collection, docs/collection.md); 0: off.
  COLLECTION_DISPATCH_EVERY_SECONDS: int(0, 3_600)
    .default(0)
    .describe(
      'seconds between dispatch runs in a process with the projections role (rescheduled actions whose moment has come); 0: off, POST /collection/dispatch is called from outside',
    ),
  VAULT_MASTER_KEY: z
    .string()
    .refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 bytes, base64-encoded')
    .optional(),
  READINESS_MAX_LAG_SECONDS: int(1, 86_400)
    .default(300)
    .describe('a projection or reactor whose oldest unapplied event has waited longer than this makes the process unready'),
  VAULT_KEY_DIR: z
    .string()
    .min(1)
    .optional()
    .describe('where the generated vault master key is kept when VAULT_MASTER_KEY is unset; never inside ARREARS_DATA_DIR'),
  // Only 'production' means anything here: the vault's master key must then come from the environment.
  NODE_ENV: z.string().optional(),
});

/** Is `inner` the directory `outer` or inside it? */
function within(outer: string, inner: string): boolean {
  const rel = relative(resolve(outer), resolve(inner));
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

export const configSchema = settingsSchema
  .refine((c) => c.HTTP_HEADERS_TIMEOUT_MS <= c.HTTP_REQUEST_TIMEOUT_MS, {
    message: 'must not exceed HTTP_REQUEST_TIMEOUT_MS',
    path: ['HTTP_HEADERS_TIMEOUT_MS'],
  })
  .refine((c) => !c.VAULT_KEY_DIR || !within(c.ARREARS_DATA_DIR, c.VAULT_KEY_DIR), {
    message: 'must not be ARREARS_DATA_DIR or inside it: a copy of the database files would carry the key that decrypts them',
    path: ['VAULT_KEY_DIR'],
  })
  .refine((c) => c.COMPLAINT_ACKNOWLEDGE_DAYS <= c.COMPLAINT_RESOLUTION_DAYS, {
    message: 'must not exceed COMPLAINT_RESOLUTION_DAYS: a complaint is acknowledged no later than it is resolved',
    path: ['COMPLAINT_ACKNOWLEDGE_DAYS'],
  })
  .refine((c) => c.NODE_ENV !== 'production' || c.VAULT_MASTER_KEY !== undefined, {
    message: 'required when NODE_ENV=production (32 bytes, base64, from a secret store): a generated key file would sit on the same machine as the database',
    path: ['VAULT_MASTER_KEY'],
  });

/** The directory of the generated vault master key: VAULT_KEY_DIR, or `<ARREARS_DATA_DIR>.vault` beside the data directory. */
export function vaultKeyDir(config: Pick<AppConfig, 'ARREARS_DATA_DIR' | 'VAULT_KEY_DIR'>): string {
  return config.VAULT_KEY_DIR ? resolve(config.VAULT_KEY_DIR) : `${resolve(config.ARREARS_DATA_DIR)}.vault`;
}

export type AppConfig = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Validates the environment; one clear line per bad or missing setting. */
export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = configSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`));
  }
  return parsed.data;
}
