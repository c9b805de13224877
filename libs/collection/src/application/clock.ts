import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import { BusinessClock, businessCalendarCopy } from '#loans';
import { PG_POOL } from '#platform';

/**
 * Collection's business clock: its own copy of Loans' calendar (`rm_collection_business_calendar`,
 * folded from Loans' calendar events), the only source of "today" for Collection. A command or
 * query that names no date is on the open business date; no wall-clock date decides anything.
 */
const TABLE = 'rm_collection_business_calendar';

export const collectionCalendarProjection = businessCalendarCopy({ name: 'collection_business_calendar', table: TABLE });

@Injectable()
export class CollectionClock extends BusinessClock {
  constructor(@Inject(PG_POOL) pool: pg.Pool) {
    super(pool, TABLE);
  }
}
