import { Param } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ZodPipe, fields, type Principal, type RequestMeta } from '#platform';

/** A path id, validated like every id (letters, digits and . _ : -). */
export const IdParam = (name: string) => Param(name, new ZodPipe(fields.id, 'params'));

export type AuthedRequest = FastifyRequest & { user: Principal };

/** The bank's business date of a request: the one it states, else the day it was received. */
export function businessDateOf(meta: RequestMeta, stated?: string): string {
  return stated ?? meta.receivedAt.slice(0, 10);
}
