import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import { BusinessClock, businessCalendarCopy } from '#loans';
import { PG_POOL } from '#platform';

/**
 * Grading's business clock: its own copy of Loans' calendar (`rm_grading_business_calendar`, folded
 * from Loans' calendar events). A profile, proposal, retirement or preview that names no date is on
 * the open business date, and an activation takes effect on it; no wall-clock date decides anything.
 */
const TABLE = 'rm_grading_business_calendar';

export const gradingCalendarProjection = businessCalendarCopy({ name: 'grading_business_calendar', table: TABLE });

@Injectable()
export class GradingClock extends BusinessClock {
  constructor(@Inject(PG_POOL) pool: pg.Pool) {
    super(pool, TABLE);
  }
}
