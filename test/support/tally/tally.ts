/**
 * A tiny bounded context used only by the tests of the app shell: a tally that can be opened with
 * a limit and have amounts added. It exercises every path a real context uses (validation,
 * decider, append, projection, problem responses) without depending on any real context.
 */
import { Controller, Get, HttpCode, Inject, Injectable, Module, Param, Post, Headers } from '@nestjs/common';
import type pg from 'pg';
import { z } from 'zod';
import { domainError, type Decider, type DomainEvent } from '#kernel';
import { AggregateRepository, EVENT_STORE, type EventStore } from '#eventstore';
import { rowProjection } from '#projections';
import { DocBody, Meta, Roles, Metrics, PG_POOL, ProblemException, ValidBody, commandContext, execute, fields, problem, type RequestMeta } from '#platform';
import type { ContextRegistration } from '#messaging';

type TallyEvent = DomainEvent<'TallyOpened', { tallyId: string; limit: number }> | DomainEvent<'AmountAdded', { tallyId: string; amount: number }>;
type TallyState = { status: 'none' } | { status: 'open'; limit: number; total: number };
type TallyCommand = { type: 'Open'; tallyId: string; limit: number } | { type: 'Add'; tallyId: string; amount: number };

export const tallyDecider: Decider<TallyCommand, TallyEvent, TallyState> = {
  initialState: () => ({ status: 'none' }),
  evolve(state, event) {
    switch (event.type) {
      case 'TallyOpened':
        return { status: 'open', limit: event.data.limit, total: 0 };
      case 'AmountAdded':
        return state.status === 'open' ? { ...state, total: state.total + event.data.amount } : state;
    }
  },
  decide(command, state) {
    switch (command.type) {
      case 'Open':
        if (state.status !== 'none') return domainError('TALLY_ALREADY_OPEN', `tally ${command.tallyId} is already open`, undefined, 'conflict');
        return [{ type: 'TallyOpened', data: { tallyId: command.tallyId, limit: command.limit } }];
      case 'Add':
        if (state.status !== 'open') return domainError('TALLY_NOT_FOUND', `no tally ${command.tallyId}`, undefined, 'not_found');
        if (state.total + command.amount > state.limit) {
          return domainError('TALLY_LIMIT_EXCEEDED', `adding ${command.amount} would pass the limit ${state.limit}`, {
            total: state.total,
            limit: state.limit,
          });
        }
        return [{ type: 'AmountAdded', data: { tallyId: command.tallyId, amount: command.amount } }];
    }
  },
};

/** The read model; an amount of 13 is a poison event the projection cannot apply. */
export const tallyProjection = rowProjection<{ tally_id: string; total: number; additions: number; limit_fen: number }>({
  name: 'tally_totals',
  version: 1,
  table: 'rm_tally_totals',
  ddl: `CREATE TABLE {table} (tally_id text PRIMARY KEY, total bigint NOT NULL, additions integer NOT NULL, limit_fen bigint NOT NULL)`,
  key: 'tally_id',
  filter: { eventTypes: ['TallyOpened', 'AmountAdded'] },
  keyOf: (e) => (e.data as { tallyId: string }).tallyId,
  evolve(row, e) {
    if (e.type === 'TallyOpened')
      return { tally_id: (e.data as { tallyId: string }).tallyId, total: 0, additions: 0, limit_fen: (e.data as { limit: number }).limit };
    const amount = (e.data as { amount: number }).amount;
    if (amount === 13) throw new Error('unlucky amount');
    return row ? { ...row, total: Number(row.total) + amount, additions: row.additions + 1 } : undefined;
  },
});

const OpenBody = z.strictObject({ tallyId: fields.id, limit: fields.positiveFen });
const AddBody = z.strictObject({ amount: fields.positiveFen });

@Injectable()
class TallyHandlers {
  readonly repository: AggregateRepository<TallyCommand, TallyEvent, TallyState>;
  constructor(@Inject(EVENT_STORE) store: EventStore) {
    this.repository = new AggregateRepository(store, tallyDecider);
  }
}

@Controller('tallies')
class TallyController {
  constructor(
    private readonly handlers: TallyHandlers,
    private readonly metrics: Metrics,
    @Inject(PG_POOL) private readonly pool: pg.Pool,
  ) {}

  @Post()
  @Roles('admin', 'service')
  @HttpCode(201)
  @DocBody(OpenBody)
  open(@ValidBody(OpenBody) body: z.infer<typeof OpenBody>, @Meta() meta: RequestMeta) {
    return execute(this.metrics, this.handlers.repository, `tally.tally-${body.tallyId}`, { type: 'Open', ...body }, commandContext(meta, 'OpenTally'));
  }

  @Post(':id/amounts')
  @Roles('admin', 'service')
  @HttpCode(202)
  @DocBody(AddBody)
  add(@Param('id') id: string, @ValidBody(AddBody) body: z.infer<typeof AddBody>, @Meta() meta: RequestMeta, @Headers('if-match') ifMatch?: string) {
    const expectedRevision = ifMatch === undefined ? undefined : Number(ifMatch);
    return execute(
      this.metrics,
      this.handlers.repository,
      `tally.tally-${id}`,
      { type: 'Add', tallyId: id, amount: body.amount },
      commandContext(meta, 'AddAmount', { expectedRevision }),
    );
  }

  @Get(':id')
  @Roles('admin', 'service', 'auditor')
  async get(@Param('id') id: string) {
    const { rows } = await this.pool.query('SELECT tally_id, total, additions FROM rm_tally_totals WHERE tally_id = $1', [id]);
    if (!rows.length) throw new ProblemException(problem(404, 'TALLY_NOT_FOUND', 'Tally not found'));
    return { tallyId: rows[0].tally_id, total: Number(rows[0].total), additions: rows[0].additions };
  }
}

@Module({ controllers: [TallyController], providers: [TallyHandlers] })
class TallyModule {}

export const tallyContext: ContextRegistration = {
  name: 'tally',
  module: TallyModule,
  projections: [tallyProjection],
  migrations: [],
  aggregates: [{ category: 'tally.tally', initialState: tallyDecider.initialState, evolve: tallyDecider.evolve }],
};
