import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SignJWT, createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import type { Actor, Role } from '#kernel';

export const ROLES = ['collector', 'supervisor', 'risk_manager', 'auditor', 'admin', 'service'] as const;
export type StaffRole = (typeof ROLES)[number];

export interface Principal extends Actor {
  readonly role: StaffRole;
  /** A supervisor's or collector's team, when the token carries one. */
  readonly team?: string;
}

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
    return { principal: { id: payload.sub, role: role as StaffRole, ...(typeof payload.team === 'string' ? { team: payload.team } : {}) }, exp: payload.exp as number };
  }
}

/** Mints an HS256 token (embedded default and tests). */
export async function mintToken(
  settings: Pick<AuthSettings, 'issuer' | 'audience'> & { secret: Uint8Array },
  claims: { sub: string; role: StaffRole | Role; team?: string },
  expiresIn = '12h',
): Promise<string> {
  return new SignJWT({ role: claims.role, ...(claims.team ? { team: claims.team } : {}) })
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
