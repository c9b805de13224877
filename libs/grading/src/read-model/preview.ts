import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import type { BusinessDate } from '#kernel';
import { PG_POOL } from '#platform';
import { initialCustomerState, type ActivePolicy } from '../domain/customer.js';
import { loanBalance } from '../domain/loan-facts.js';
import { evaluate, factorValues, NO_FLAGS, type PolicyDocument } from '../domain/scorecard.js';
import { portfolioInputs, portfolioPage } from './portfolio.js';

interface MigrationCell {
  readonly from: string;
  readonly to: string;
  readonly customers: number;
  /** Outstanding principal of the customers' loans, fen. */
  readonly balance: number;
}

export interface ImpactPreview {
  readonly candidate: { readonly id: string; readonly version: number };
  readonly against: { readonly id: string; readonly version: number } | null;
  readonly asOf: BusinessDate;
  readonly customers: number;
  readonly balance: number;
  readonly unchanged: number;
  readonly upgraded: number;
  readonly downgraded: number;
  /** from-grade (under the policy in force; UNGRADED when none is) × to-grade (under the candidate), non-empty cells. */
  readonly matrix: readonly MigrationCell[];
}

const PAGE = 5_000;
const RANK: Record<string, number> = { A: 0, B: 1, C: 2, D: 3, E: 4, HOLD: 5, UNGRADED: 6 };

/**
 * The impact of a candidate policy on today's portfolio: every customer graded under the candidate
 * and under the policy in force, from the same facts on the same date, without writing anything.
 */
@Injectable()
export class ImpactPreviewer {
  constructor(@Inject(PG_POOL) private readonly pool: pg.Pool) {}

  async preview(
    candidate: { id: string; version: number; document: PolicyDocument },
    inForce: ActivePolicy | null,
    asOf: BusinessDate,
  ): Promise<ImpactPreview> {
    const cells = new Map<string, { customers: number; balance: number }>();
    let customers = 0;
    let balance = 0;
    let upgraded = 0;
    let downgraded = 0;
    for (let after = ''; ;) {
      const ids = await portfolioPage(this.pool, after, PAGE);
      if (ids.length === 0) break;
      after = ids[ids.length - 1];
      for (const c of await portfolioInputs(this.pool, ids)) {
        const state = c.state ?? initialCustomerState();
        const values = factorValues(state.facts, c.loans, asOf);
        const flags = state.facts.profile?.flags ?? NO_FLAGS;
        const to = evaluate(candidate.document, flags, values).grade;
        const from = inForce ? evaluate(inForce.document, flags, values).grade : 'UNGRADED';
        const owed = c.loans.reduce((s, l) => s + loanBalance(l), 0);
        const key = `${from}>${to}`;
        const cell = cells.get(key) ?? { customers: 0, balance: 0 };
        cells.set(key, { customers: cell.customers + 1, balance: cell.balance + owed });
        customers += 1;
        balance += owed;
        if (from !== 'UNGRADED' && RANK[to] < RANK[from]) upgraded += 1;
        if (from !== 'UNGRADED' && RANK[to] > RANK[from]) downgraded += 1;
      }
      if (ids.length < PAGE) break;
    }
    const matrix = [...cells.entries()]
      .map(([key, v]) => {
        const [from, to] = key.split('>');
        return { from, to, ...v };
      })
      .sort((a, b) => RANK[a.from] - RANK[b.from] || RANK[a.to] - RANK[b.to]);
    const unchanged = matrix.filter((m) => m.from === m.to).reduce((s, m) => s + m.customers, 0);
    return {
      candidate: { id: candidate.id, version: candidate.version },
      against: inForce ? { id: inForce.policyId, version: inForce.version } : null,
      asOf,
      customers,
      balance,
      unchanged,
      upgraded,
      downgraded,
      matrix,
    };
  }
}
