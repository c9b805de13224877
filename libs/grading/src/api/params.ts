import { Param } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { BusinessDate } from '#kernel';
import { ZodPipe, fields, type Principal } from '#platform';
import type { GradingClock } from '../application/clock.js';

/** A path id, validated like every id (letters, digits and . _ : -). */
export const IdParam = (name: string) => Param(name, new ZodPipe(fields.id, 'params'));

export type AuthedRequest = FastifyRequest & { user: Principal };

/** The bank's business date of a request: the one it states, else the open business date of Grading's copy of Loans' calendar. */
export async function businessDateOf(clock: GradingClock, stated?: BusinessDate): Promise<BusinessDate> {
  return stated ?? clock.todayOrThrow();
}
