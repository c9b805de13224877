import { Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { DocBody, DocQuery, Meta, Metrics, ProblemException, Roles, ValidBody, ZodPipe, fields, problem, type RequestMeta } from '#platform';
import { ContactRulesBook } from '../application/catalog.js';
import { CollectionStore, streams } from '../application/collection-store.js';
import { CollectionQueries } from '../read-model/queries.js';
import { CertificationBody, CollectorProfileBody, RegisterCollectorBody, TeamQuery, TrainingBody } from './dto.js';
import type { CollectorCommand } from '../domain/collector.js';
import { notFound, perform, type AuthedRequest } from './http.js';
import { CollectionClock } from '../application/clock.js';

const id = new ZodPipe(fields.id, 'params');

function collectorNotFound(collectorId: string): ProblemException {
  return notFound('COLLECTOR_NOT_FOUND', 'Collector not found', `No collector ${collectorId} is visible to you.`);
}

/** Collectors: team, capacity, skills, trainings and certifications. Supervisors manage their own team. */
@ApiTags('collection')
@ApiBearerAuth()
@Controller('collection')
export class CollectorsController {
  constructor(
    private readonly store: CollectionStore,
    private readonly queries: CollectionQueries,
    private readonly rules: ContactRulesBook,
    private readonly metrics: Metrics,
    private readonly clock: CollectionClock,
  ) {}

  /** A supervisor acts on collectors of their own team only (admins on any). */
  private async requireManaged(collectorId: string, req: AuthedRequest): Promise<void> {
    if (req.user.role === 'admin') return;
    const { state } = await this.store.collectors.load(streams.collector(collectorId));
    if (state.status === 'none' || !req.user.team || state.team !== req.user.team) throw collectorNotFound(collectorId);
  }

  private sameTeam(team: string, req: AuthedRequest): void {
    if (req.user.role !== 'admin' && team !== req.user.team) {
      throw new ProblemException(
        problem(403, 'NOT_YOUR_TEAM', 'Not your team', `A supervisor manages the collectors of their own team (${req.user.team ?? 'none'}).`),
      );
    }
  }

  /** A command on the collector's stream. */
  private decide(collectorId: string, command: CollectorCommand, meta: RequestMeta, contactRules?: string) {
    return perform(
      this.metrics,
      this.store.collectors,
      streams.collector(collectorId),
      command,
      meta,
      contactRules ? { policyVersions: { contactRules } } : {},
    );
  }

  @Post('collectors')
  @Roles('supervisor', 'admin')
  @HttpCode(201)
  @DocBody(RegisterCollectorBody)
  @ApiOperation({ summary: 'Register a collector with a team, a capacity and skills (queues: *, M2, D:M2, D:*)' })
  async register(@ValidBody(RegisterCollectorBody) body: z.infer<typeof RegisterCollectorBody>, @Meta() meta: RequestMeta, @Req() req: AuthedRequest) {
    this.sameTeam(body.team, req);
    return this.decide(body.collectorId, { type: 'RegisterCollector', data: body }, meta);
  }

  @Post('collectors/:collectorId/profile')
  @Roles('supervisor', 'admin')
  @HttpCode(202)
  @DocBody(CollectorProfileBody)
  @ApiOperation({ summary: 'Change a collector’s team, capacity, skills or activity' })
  async profile(
    @Param('collectorId', id) collectorId: string,
    @ValidBody(CollectorProfileBody) body: z.infer<typeof CollectorProfileBody>,
    @Meta() meta: RequestMeta,
    @Req() req: AuthedRequest,
  ) {
    await this.requireManaged(collectorId, req);
    if (body.team !== undefined) this.sameTeam(body.team, req);
    return this.decide(collectorId, { type: 'ChangeCollectorProfile', data: { collectorId, ...body } }, meta);
  }

  @Post('collectors/:collectorId/trainings')
  @Roles('supervisor', 'admin')
  @HttpCode(201)
  @DocBody(TrainingBody)
  @ApiOperation({ summary: 'Record a completed training and its assessment score' })
  async training(
    @Param('collectorId', id) collectorId: string,
    @ValidBody(TrainingBody) body: z.infer<typeof TrainingBody>,
    @Meta() meta: RequestMeta,
    @Req() req: AuthedRequest,
  ) {
    await this.requireManaged(collectorId, req);
    return this.decide(collectorId, { type: 'RecordTraining', data: { collectorId, ...body } }, meta);
  }

  @Post('collectors/:collectorId/certifications')
  @Roles('supervisor', 'admin')
  @HttpCode(201)
  @DocBody(CertificationBody)
  @ApiOperation({ summary: 'Grant a certification after a passed assessment; valid at most a year (the contact rules in force)' })
  async certify(
    @Param('collectorId', id) collectorId: string,
    @ValidBody(CertificationBody) body: z.infer<typeof CertificationBody>,
    @Meta() meta: RequestMeta,
    @Req() req: AuthedRequest,
  ) {
    await this.requireManaged(collectorId, req);
    const rules = await this.rules.inForce(body.grantedOn);
    const data = { collectorId, ...body, maxValidityDays: rules.certificationMaxValidityDays };
    return this.decide(collectorId, { type: 'GrantCertification', data }, meta, rules.version);
  }

  @Get('collectors')
  @Roles('supervisor', 'risk_manager', 'auditor', 'admin')
  @ApiOperation({ summary: 'Collectors (a supervisor sees their team)' })
  async list(@Req() req: AuthedRequest) {
    if (req.user.role === 'supervisor') return { items: req.user.team ? await this.queries.collectors(req.user.team) : [] };
    return { items: await this.queries.collectors() };
  }

  @Get('collectors/:collectorId')
  @Roles('collector', 'supervisor', 'risk_manager', 'auditor', 'admin')
  @ApiOperation({ summary: 'One collector (a collector sees themself, a supervisor their team)' })
  async get(@Param('collectorId', id) collectorId: string, @Req() req: AuthedRequest) {
    const view = await this.queries.collector(collectorId);
    const visible =
      view &&
      (req.user.role === 'collector' ? req.user.id === collectorId : req.user.role === 'supervisor' ? !!req.user.team && view.team === req.user.team : true);
    if (!visible) throw collectorNotFound(collectorId);
    return view;
  }

  @Get('teams/:team')
  @Roles('supervisor', 'risk_manager', 'auditor', 'admin')
  @DocQuery(TeamQuery)
  @ApiOperation({ summary: 'A supervisor’s team view: load, certifications, results and field visits awaiting approval' })
  async team(@Param('team', id) team: string, @Query(new ZodPipe(TeamQuery, 'query')) query: z.infer<typeof TeamQuery>, @Req() req: AuthedRequest) {
    if (req.user.role === 'supervisor' && req.user.team !== team) {
      throw notFound('TEAM_NOT_FOUND', 'Team not found', `Team ${team} is not visible to you.`);
    }
    return this.queries.teamView(team, query.date ?? (await this.clock.todayOrThrow()));
  }
}
