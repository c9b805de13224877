import { Injectable } from '@nestjs/common';
import type { DomainEvent } from '#kernel';
import type { AggregateRepository } from '#eventstore';
import { Metrics, commandContext, execute, type CommandAccepted, type RequestMeta } from '#platform';

/**
 * Grading's HTTP commands through the command pipeline: the request's metadata becomes the
 * command's context (`name` in its metadata, `options` as `commandContext` takes them), and a
 * refusal a problem response.
 */
@Injectable()
export class HttpCommands {
  constructor(private readonly metrics: Metrics) {}

  run<C, E extends DomainEvent, S>(
    repository: AggregateRepository<C, E, S>,
    streamId: string,
    command: C,
    meta: RequestMeta,
    name: string,
    options?: Parameters<typeof commandContext>[2],
  ): Promise<CommandAccepted> {
    return execute(this.metrics, repository, streamId, command, commandContext(meta, name, options));
  }
}
