import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SignJWT, createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import type { Actor, Role } from '#kernel';

/**
 * Roles a token may carry: the bank's staff, `service` for systems (core banking, executors), and
 * `customer` for a customer acting through the bank's own app or web portal (self-service), and
 * `agency` for a collection agency's system (`sub` is the agency id; it reaches only the cases
 * placed with it, see docs/agencies.md).
 */
export const ROLES = ['collector', 'supervisor', 'risk_manager', 'auditor', 'admin', 'service', 'customer', 'agency'] as const;
export type StaffRole = (typeof ROLES)[number];

/** The customer channels a customer principal comes through. */
export const CUSTOMER_CHANNELS = ['APP', 'WEB'] as const;
export type CustomerChannel = (typeof CUSTOMER_CHANNELS)[number];

/** Ids a token may name as its subject or acting client (the same alphabet as route ids). */
const TOKEN_ID = /^[A-Za-z0-9._:-]{1,64}$/;

export interface Principal extends Actor {
  readonly role: StaffRole;
  /** A supervisor's or collector's team, when the token carries one. */
  readonly team?: string;
  /**
   * A customer principal (role `customer`): `id` is the customer id the bank's identity provider
   * authenticated (the token's `sub`), `channel` the customer channel (`channel` claim), and `via`
   * the client acting for the customer (the `act.sub` claim of a delegated token, RFC 8693 § 4.1),
   * when there is one. All three are ids, never personal data, and ride on every event's
   * `metadata.actor`.
   */
  readonly channel?: CustomerChannel;
  readonly via?: string;
}

/** Whether the principal is a customer acting for themselves (self-service). */
export const isCustomer = (principal: { readonly role: string }): boolean => principal.role === 'customer';

export interface AuthSettings {
  /** HS256 shared secret (the embedded default). */
  readonly secret?: Uint8Array;
  /** RS256/ES256 keys from an OIDC provider's JWKS endpoint (production). */
  readonly jwksUrl?: string;
  readonly issuer: string;
  readonly audience: string;
}

export class AuthError extends Error {}

/** How far an issuer's clock may run ahead of ours before a token's `iat` counts as in the future. */
export const CLOCK_SKEW_SECONDS = 30;

/** How many verified tokens are remembered (each until its `exp`). */
const VERIFIED_CACHE = 10_000;

/**
 * Verifies bearer tokens and turns their claims into a principal. A token that verified is
 * remembered by its exact text until its `exp` (at most VERIFIED_CACHE of them, least recently
 * used dropped first): the same token on the next request costs a map lookup instead of a
 * signature check. A token that failed is never remembered.
 */
export class TokenVerifier {
  private readonly jwks?: ReturnType<typeof createRemoteJWKSet>;
  private readonly verified = new Map<string, { principal: Principal; exp: number }>();

  constructor(private readonly settings: AuthSettings) {
    if (settings.jwksUrl) this.jwks = createRemoteJWKSet(new URL(settings.jwksUrl));
    else if (!settings.secret) throw new Error('auth needs a JWKS URL or a secret');
  }

  async verify(token: string): Promise<Principal> {
    const known = this.verified.get(token);
    if (known) {
      if (known.exp > Date.now() / 1000) {
        this.verified.delete(token);
        this.verified.set(token, known);
        return known.principal;
      }
      this.verified.delete(token);
    }
    const { principal, exp } = await this.verifyOnce(token);
    this.verified.set(token, { principal, exp });
    if (this.verified.size > VERIFIED_CACHE) this.verified.delete(this.verified.keys().next().value as string);
    return principal;
  }

  private async verifyOnce(token: string): Promise<{ principal: Principal; exp: number }> {
    let payload: JWTPayload;
    try {
      // Every token must expire (`exp`); one issued in the future (`iat` past the allowed clock skew) is refused.
      const options = { issuer: this.settings.issuer, audience: this.settings.audience, requiredClaims: ['exp'] };
      payload = this.jwks
        ? (await jwtVerify(token, this.jwks, { ...options, algorithms: ['RS256', 'ES256'] })).payload
        : (await jwtVerify(token, this.settings.secret!, { ...options, algorithms: ['HS256'] })).payload;
    } catch (err) {
      throw new AuthError(`invalid token: ${(err as Error).message}`);
    }
    if (typeof payload.iat === 'number' && payload.iat > Date.now() / 1000 + CLOCK_SKEW_SECONDS) {
      throw new AuthError('invalid token: "iat" claim is in the future');
    }
    const role = payload.role;
    if (typeof payload.sub !== 'string' || !payload.sub) throw new AuthError('token has no subject');
    if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) throw new AuthError('token has no known role');
    if (role === 'customer') return { principal: customerPrincipal(payload), exp: payload.exp as number };
    return {
      principal: { id: payload.sub, role: role as StaffRole, ...(typeof payload.team === 'string' ? { team: payload.team } : {}) },
      exp: payload.exp as number,
    };
  }
}

/**
 * A customer token: `sub` is the customer id (a plain id), `channel` is APP or WEB, and a
 * delegated token (the bank's app exchanged the customer's login for a token to call Arrears)
 * names the acting client in `act.sub`. A customer token carries no team; anything else malformed
 * refuses the token.
 */
function customerPrincipal(payload: JWTPayload): Principal {
  const sub = payload.sub as string;
  if (!TOKEN_ID.test(sub)) throw new AuthError('a customer token names the customer id (letters, digits and . _ : -) as its subject');
  const channel = payload.channel;
  if (typeof channel !== 'string' || !(CUSTOMER_CHANNELS as readonly string[]).includes(channel)) {
    throw new AuthError(`a customer token names its channel (${CUSTOMER_CHANNELS.join(' or ')})`);
  }
  if (payload.team !== undefined) throw new AuthError('a customer token carries no team');
  const act = payload.act;
  let via: string | undefined;
  if (act !== undefined) {
    const actor = typeof act === 'object' && act !== null ? (act as { sub?: unknown }).sub : undefined;
    if (typeof actor !== 'string' || !TOKEN_ID.test(actor)) throw new AuthError('the "act" claim names the acting client in act.sub');
    if (actor === sub) throw new AuthError('the "act" claim names a client, not the customer');
    via = actor;
  }
  return { id: sub, role: 'customer', channel: channel as CustomerChannel, ...(via ? { via } : {}) };
}

/** Mints an HS256 token (embedded default and tests). */
export async function mintToken(
  settings: Pick<AuthSettings, 'issuer' | 'audience'> & { secret: Uint8Array },
  claims: { sub: string; role: StaffRole | Role; team?: string; channel?: CustomerChannel; act?: { sub: string } },
  expiresIn = '12h',
): Promise<string> {
  // A customer token without a stated channel is an APP token (the CLI's and tests' default).
  const channel = claims.channel ?? (claims.role === 'customer' ? 'APP' : undefined);
  return new SignJWT({
    role: claims.role,
    ...(claims.team ? { team: claims.team } : {}),
    ...(channel ? { channel } : {}),
    ...(claims.act ? { act: claims.act } : {}),
  })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(claims.sub)
    .setIssuer(settings.issuer)
    .setAudience(settings.audience)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(settings.secret);
}

/**
 * The embedded default's HS256 secret: JWT_SECRET when given, else one generated on first start
 * and kept in the data directory (readable by its owner only), so tokens survive restarts.
 */
export function localSecret(dataDir: string, given?: string): Uint8Array {
  if (given) return new TextEncoder().encode(given);
  const file = join(dataDir, 'jwt-secret');
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  return new TextEncoder().encode(readFileSync(file, 'utf8').trim());
}
