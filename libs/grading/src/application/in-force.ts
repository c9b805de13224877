import { Injectable } from '@nestjs/common';
import { DEFAULT_RULES } from '../domain/classification.js';
import type { ActivePolicy } from '../domain/customer.js';
import type { RulesInForce } from '../domain/loan-classification.js';
import { rulesVersionOf, streams } from '../domain/policies.js';
import type { ClassificationRules } from '../domain/classification.js';
import type { PolicyDocument } from '../domain/scorecard.js';
import { GradingRepositories } from './repositories.js';

/**
 * What is in force: the active grading policy and classification rules, read from the registries
 * (fresh each time: another process may have activated a new version) with the documents of
 * proposed versions cached (a version's document never changes).
 */
@Injectable()
export class InForce {
  private readonly policyDocs = new Map<string, PolicyDocument>();
  private readonly rulesDocs = new Map<string, ClassificationRules>();

  constructor(private readonly repos: GradingRepositories) {}

  async activePolicy(): Promise<ActivePolicy | null> {
    const { state } = await this.repos.policyRegistry.load(streams.policyRegistry);
    if (!state.active) return null;
    const document = await this.policyDocument(state.active.id, state.active.version);
    return document ? { policyId: state.active.id, version: state.active.version, document } : null;
  }

  policyDocument(policyId: string, version: number): Promise<PolicyDocument | null> {
    return this.document(this.policyDocs, streams.policy(policyId), 'PolicyDraftProposed', policyId, version);
  }

  async activeRules(): Promise<RulesInForce> {
    const { state } = await this.repos.rulesRegistry.load(streams.rulesRegistry);
    if (!state.active) return { version: rulesVersionOf(null), rules: DEFAULT_RULES };
    const rules = await this.rulesDocument(state.active.id, state.active.version);
    return rules ? { version: rulesVersionOf(state.active), rules } : { version: rulesVersionOf(null), rules: DEFAULT_RULES };
  }

  rulesDocument(rulesetId: string, version: number): Promise<ClassificationRules | null> {
    return this.document(this.rulesDocs, streams.ruleset(rulesetId), 'ClassificationRulesProposed', rulesetId, version);
  }

  /** A proposed version's document, from the cache or else read (with the stream's other versions) from its proposals. */
  private async document<D>(cache: Map<string, D>, stream: string, proposed: string, id: string, version: number): Promise<D | null> {
    const key = `${id}@${version}`;
    const cached = cache.get(key);
    if (cached) return cached;
    for (const e of await this.repos.store.readStream(stream)) {
      if (e.type === proposed) {
        const d = e.data as { version: number; document: D };
        cache.set(`${id}@${d.version}`, d.document);
      }
    }
    return cache.get(key) ?? null;
  }
}
