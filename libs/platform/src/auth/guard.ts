import { Injectable, SetMetadata, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ProblemException, problem } from '../http/problem.js';
import { AuthError, TokenVerifier, type Principal, type StaffRole } from './auth.js';

export const ROLES_KEY = 'arrears:roles';
export const PUBLIC_KEY = 'arrears:public';

/** Which roles may call a route. A route with neither @Roles nor @Public is refused to everyone. */
export const Roles = (...roles: StaffRole[]) => SetMetadata(ROLES_KEY, roles);
/** A route anyone may call without a token (health, metrics). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

export const TOKEN_VERIFIER = Symbol('TokenVerifier');

const VERIFIED = new WeakMap<object, Promise<Principal>>();

/**
 * The principal of a request's bearer token, verified once per request: the rate limiter (a
 * Fastify hook, before any guard) and the AuthGuard share the answer. Null without a bearer token;
 * a bad token rejects with AuthError.
 */
export function bearerPrincipal(request: FastifyRequest, verifier: TokenVerifier): Promise<Principal> | null {
  const header = request.headers.authorization;
  if (!header?.startsWith('Bearer ')) return null;
  let verified = VERIFIED.get(request.raw);
  if (!verified) {
    verified = verifier.verify(header.slice(7).trim());
    VERIFIED.set(request.raw, verified);
  }
  return verified;
}

/** Bearer JWT authentication, then role authorisation from the route's @Roles. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: TokenVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest & { user?: Principal }>();
    const verified = bearerPrincipal(request, this.verifier);
    if (!verified) {
      throw new ProblemException(problem(401, 'UNAUTHENTICATED', 'Unauthenticated', 'A bearer token is required.'));
    }
    try {
      request.user = await verified;
    } catch (err) {
      if (err instanceof AuthError) throw new ProblemException(problem(401, 'UNAUTHENTICATED', 'Unauthenticated', err.message));
      throw err;
    }
    const allowed = this.reflector.getAllAndOverride<StaffRole[] | undefined>(ROLES_KEY, targets) ?? [];
    if (!allowed.includes(request.user.role)) {
      throw new ProblemException(problem(403, 'FORBIDDEN', 'Forbidden', `Role ${request.user.role} may not call this route.`, { allowedRoles: allowed }));
    }
    return true;
  }
}
