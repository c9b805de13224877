import { Inject, Injectable } from '@nestjs/common';
import { AggregateRepository, EVENT_STORE, type EventStore } from '#eventstore';
import { customerDecider } from '../domain/customer.js';
import { loanClassificationDecider } from '../domain/loan-classification.js';
import { policyDecider, policyRegistryDecider, rulesDecider, rulesRegistryDecider } from '../domain/policies.js';
import { runDecider } from '../domain/run.js';

/** One repository per aggregate of the context. */
@Injectable()
export class GradingRepositories {
  constructor(@Inject(EVENT_STORE) readonly store: EventStore) {}

  readonly policies = new AggregateRepository(this.store, policyDecider, { cacheStreams: 1_000 });
  // The registries are read fresh every time: another process may have activated a version.
  readonly policyRegistry = new AggregateRepository(this.store, policyRegistryDecider, { cacheStreams: 0 });
  readonly rulesets = new AggregateRepository(this.store, rulesDecider, { cacheStreams: 1_000 });
  readonly rulesRegistry = new AggregateRepository(this.store, rulesRegistryDecider, { cacheStreams: 0 });
  readonly customers = new AggregateRepository(this.store, customerDecider, { cacheStreams: 20_000 });
  readonly loans = new AggregateRepository(this.store, loanClassificationDecider, { cacheStreams: 20_000 });
  readonly runs = new AggregateRepository(this.store, runDecider, { cacheStreams: 100 });
}
