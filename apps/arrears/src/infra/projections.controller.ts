import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Meta, ProblemException, Roles, problem, type RequestMeta } from '#platform';
import { ReactorNotRebuildableError } from '#projections';
import { ProjectionsService } from './projections.service.js';

@ApiTags('admin')
@ApiBearerAuth()
@Controller('admin/projections')
export class ProjectionsController {
  constructor(private readonly projections: ProjectionsService) {}

  @Get()
  @Roles('admin', 'auditor')
  @ApiOperation({ summary: 'Every projection: generation, checkpoint, lag, halted or running' })
  async list() {
    return { items: await this.projections.runner.status() };
  }

  @Post(':name/rebuild')
  @Roles('admin')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Rebuild from position 0 into fresh tables and swap them in (blue/green)',
    description:
      'A projection that also reacts is rebuilt up to its live checkpoint and decides no reaction again. A reactor without tables is refused with 409 REACTOR_NOT_REBUILDABLE: its triggers are decided once; verify checks its ledger.',
  })
  async rebuild(@Param('name') name: string) {
    this.known(name);
    try {
      return await this.projections.runner.rebuildAndResume(name);
    } catch (err) {
      if (err instanceof ReactorNotRebuildableError) {
        throw new ProblemException(problem(409, err.code, 'Reactor not rebuildable', err.message));
      }
      // The active generation keeps serving; the half-built one is replaced by the next rebuild.
      throw new ProblemException(problem(409, 'REBUILD_FAILED', 'Rebuild failed', `Rebuild of ${name} failed: ${(err as Error).message}`));
    }
  }

  @Post(':name/verify')
  @Roles('admin', 'auditor')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Rebuild into scratch tables and diff them row by row against the live ones (nothing swapped)',
    description:
      'For a projection that reacts, also checks its reaction ledger: every trigger up to the checkpoint has exactly one outcome. Nothing is appended or published.',
  })
  async verify(@Param('name') name: string) {
    this.known(name);
    return this.projections.runner.verify(name);
  }

  @Post(':name/retry')
  @Roles('admin')
  @HttpCode(200)
  @ApiOperation({ summary: 'Clear a halt and apply the poison event again' })
  async retry(@Param('name') name: string, @Meta() meta: RequestMeta) {
    this.known(name);
    await this.projections.runner.retry(name, meta.actor.id);
    return { name, status: 'running' };
  }

  @Post(':name/skip')
  @Roles('admin')
  @HttpCode(200)
  @ApiOperation({ summary: 'Skip the poison event (recorded as skipped) and resume' })
  async skip(@Param('name') name: string, @Meta() meta: RequestMeta) {
    this.known(name);
    await this.projections.runner.skip(name, meta.actor.id);
    return { name, status: 'running' };
  }

  private known(name: string): void {
    if (!this.projections.runner.projections.some((p) => p.name === name)) {
      throw new ProblemException(problem(404, 'PROJECTION_NOT_FOUND', 'Projection not found', `No projection named ${name}.`));
    }
  }
}
