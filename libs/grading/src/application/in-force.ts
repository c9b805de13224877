import { Injectable } from '@nestjs/common';
import { DEFAULT_RULES } from '../domain/classification.js';
import type { ActivePolicy } from '../domain/customer.js';
import type { RulesInForce } from '../domain/loan-classification.js';
import { rulesVersionOf, streams, type ClassificationRulesProposed, type PolicyDraftProposed } from '../domain/policies.js';
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

  async policyDocument(policyId: string, version: number): Promise<PolicyDocument | null> {
    const key = `${policyId}@${version}`;
    const cached = this.policyDocs.get(key);
    if (cached) return cached;
    const events = await this.repos.store.readStream(streams.policy(policyId));
    for (const e of events) {
      if (e.type === 'PolicyDraftProposed') {
        const d = e.data as PolicyDraftProposed['data'];
        this.policyDocs.set(`${policyId}@${d.version}`, d.document);
      }
    }
    return this.policyDocs.get(key) ?? null;
  }

  async activeRules(): Promise<RulesInForce> {
    const { state } = await this.repos.rulesRegistry.load(streams.rulesRegistry);
    if (!state.active) return { version: rulesVersionOf(null), rules: DEFAULT_RULES };
    const rules = await this.rulesDocument(state.active.id, state.active.version);
    return rules ? { version: rulesVersionOf(state.active), rules } : { version: rulesVersionOf(null), rules: DEFAULT_RULES };
  }

  async rulesDocument(rulesetId: string, version: number): Promise<ClassificationRules | null> {
    const key = `${rulesetId}@${version}`;
    const cached = this.rulesDocs.get(key);
    if (cached) return cached;
    const events = await this.repos.store.readStream(streams.ruleset(rulesetId));
    for (const e of events) {
      if (e.type === 'ClassificationRulesProposed') {
        const d = e.data as ClassificationRulesProposed['data'];
        this.rulesDocs.set(`${rulesetId}@${d.version}`, d.document);
      }
    }
    return this.rulesDocs.get(key) ?? null;
  }
}
