import type pg from 'pg';
import { DEFAULT_PLACEMENT_POLICY } from '../domain/placement.js';
import { agencyPromises, bankOnComparableCases, bps, perThousand, type CaseRecord, type PlacedSpan } from './evaluation.js';
import {
  AGENCIES_TABLE,
  AGENCY_CONTACTS_TABLE,
  CASE_RECORDS_TABLE,
  PLACEMENTS_TABLE,
  RECOVERIES_TABLE,
  type AgencyRow,
  type CaseRecordRow,
  type PlacementRow,
} from './projections.js';

const num = (v: unknown): number => Number(v ?? 0);

function agencyView(r: AgencyRow) {
  return {
    agencyId: r.agency_id,
    name: r.state.name,
    licenceRef: r.state.licenceRef,
    status: r.status,
    contract: r.contract,
    amendmentPending: r.state.amendment !== null,
    holding: r.holding,
    placements: r.placements,
    agents: Object.entries(r.state.agents).map(([agentId, certifications]) => ({ agentId, certifications })),
  };
}

export function placementView(r: PlacementRow) {
  return {
    placementId: r.placement_id,
    caseId: r.case_id,
    loanId: r.loan_id,
    agencyId: r.agency_id,
    status: r.status,
    stage: r.stage,
    overdueAmountAtPlacement: num(r.overdue_amount),
    source: r.source,
    reason: r.reason,
    contractNo: r.contract_no,
    requestedOn: r.requested_on,
    noticeActionId: r.notice_action_id,
    startsOn: r.starts_on,
    endsOn: r.ends_on,
    endedOn: r.ended_on,
    endReason: r.end_reason,
    recovered: num(r.recovered),
    commission: num(r.commission),
  };
}

/** Queries over Agencies' own read models (never another context's tables). */
export class AgencyQueries {
  constructor(private readonly pool: pg.Pool) {}

  /** The published list: active agencies by default, every agency with `status`. */
  async agencies(filter: { status?: string }) {
    const { rows } = await this.pool.query<AgencyRow>(`SELECT * FROM ${AGENCIES_TABLE} WHERE status = $1 ORDER BY agency_id`, [filter.status ?? 'ACTIVE']);
    return { items: rows.map(agencyView) };
  }

  async placements(filter: { agencyId?: string; status?: string; caseId?: string; limit: number; offset: number }) {
    const where: string[] = [];
    const values: unknown[] = [];
    const add = (sql: string, v: unknown) => (values.push(v), where.push(sql.replace('?', `$${values.length}`)));
    if (filter.agencyId) add('agency_id = ?', filter.agencyId);
    if (filter.status) add('status = ?', filter.status);
    if (filter.caseId) add('case_id = ?', filter.caseId);
    values.push(filter.limit, filter.offset);
    const { rows } = await this.pool.query<PlacementRow>(
      `SELECT * FROM ${PLACEMENTS_TABLE} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY requested_on DESC, placement_id LIMIT $${values.length - 1} OFFSET $${values.length}`,
      values,
    );
    return { items: rows.map(placementView), limit: filter.limit, offset: filter.offset };
  }

  /** The case placed with the agency and started by `today` (its scope), or null. */
  async activePlacement(agencyId: string, caseId: string, today: string): Promise<PlacementRow | null> {
    const { rows } = await this.pool.query<PlacementRow>(
      `SELECT * FROM ${PLACEMENTS_TABLE} WHERE agency_id = $1 AND case_id = $2 AND status = 'ACTIVE' AND starts_on <= $3`,
      [agencyId, caseId, today],
    );
    return rows[0] ?? null;
  }

  async agencyCases(agencyId: string, today: string) {
    const { rows } = await this.pool.query<PlacementRow>(
      `SELECT * FROM ${PLACEMENTS_TABLE} WHERE agency_id = $1 AND status = 'ACTIVE' AND starts_on <= $2 ORDER BY starts_on, case_id`,
      [agencyId, today],
    );
    return { items: rows.map(placementView) };
  }

  /**
   * The yearly evaluation per agency: placements started in the year and the overdue balance placed,
   * what was recovered in the year (payments attributed, less reversals) and the recovery rate on the
   * balance placed, the commission and the cost per yuan recovered, the complaints and disputes that
   * recalled its cases, its contacts with the share the contact rules refused, and the promises its
   * agents took that were kept. Beside them, `bank`: the same figures for the bank's own collectors
   * on comparable cases (the rule in `evaluation.ts` and docs/agencies.md), over the placement term.
   */
  async evaluation(year: number, termDays: number = DEFAULT_PLACEMENT_POLICY.termDays) {
    const from = `${year}-01-01`;
    const to = `${year}-12-31`;
    const { rows } = await this.pool.query<Record<string, unknown>>(
      `SELECT a.agency_id, a.state->>'name' AS name,
          (SELECT count(*) FROM ${PLACEMENTS_TABLE} p WHERE p.agency_id = a.agency_id AND p.starts_on BETWEEN $1 AND $2) AS placements,
          (SELECT coalesce(sum(p.overdue_amount), 0) FROM ${PLACEMENTS_TABLE} p WHERE p.agency_id = a.agency_id AND p.starts_on BETWEEN $1 AND $2) AS placed,
          (SELECT coalesce(sum(r.amount), 0) FROM ${RECOVERIES_TABLE} r WHERE r.agency_id = a.agency_id AND r.reversed_on IS NULL AND r.business_date BETWEEN $1 AND $2) AS recovered,
          (SELECT coalesce(sum(r.commission), 0) FROM ${RECOVERIES_TABLE} r WHERE r.agency_id = a.agency_id AND r.reversed_on IS NULL AND r.business_date BETWEEN $1 AND $2) AS commission,
          (SELECT count(*) FROM ${PLACEMENTS_TABLE} p WHERE p.agency_id = a.agency_id AND p.end_reason IN ('COMPLAINT', 'DISPUTE') AND p.ended_on BETWEEN $1 AND $2) AS complaints,
          (SELECT count(*) FROM ${AGENCY_CONTACTS_TABLE} c WHERE c.agency_id = a.agency_id AND c.local_date BETWEEN $1 AND $2) AS contacts,
          (SELECT count(*) FROM ${AGENCY_CONTACTS_TABLE} c WHERE c.agency_id = a.agency_id AND c.blocked_code IS NOT NULL AND c.local_date BETWEEN $1 AND $2) AS refusals
         FROM ${AGENCIES_TABLE} a ORDER BY a.agency_id`,
      [from, to],
    );
    // The comparison: every placement that started, and the cases placed or entering a stage in the year (their records).
    const { rows: spans } = await this.pool.query<PlacedSpan>(
      `SELECT case_id, agency_id, stage, starts_on, ends_on, ended_on FROM ${PLACEMENTS_TABLE} WHERE starts_on IS NOT NULL AND starts_on <= $1 ORDER BY placement_id`,
      [to],
    );
    const { rows: recordRows } = await this.pool.query<CaseRecordRow>(
      `SELECT * FROM ${CASE_RECORDS_TABLE} r
        WHERE (r.last_entry >= $1 AND r.first_entry <= $2)
           OR r.case_id IN (SELECT p.case_id FROM ${PLACEMENTS_TABLE} p WHERE p.starts_on IS NOT NULL AND coalesce(p.ended_on, p.ends_on) >= $1 AND p.starts_on <= $2)`,
      [from, to],
    );
    const records = new Map<string, CaseRecord>(recordRows.map((r) => [r.case_id, r.record]));
    return {
      year,
      items: rows.map((r) => {
        const agencyId = String(r.agency_id);
        const promises = agencyPromises(agencyId, [...records.values()], year);
        const { caseIds: _compared, ...bank } = bankOnComparableCases({ agencyId, year, termDays, placements: spans, records });
        const placed = num(r.placed);
        const recovered = num(r.recovered);
        const commission = num(r.commission);
        const contacts = num(r.contacts);
        const refusals = num(r.refusals);
        return {
          agencyId: r.agency_id,
          name: r.name,
          placements: num(r.placements),
          placedBalance: placed,
          recovered,
          recoveryRateBps: bps(recovered, placed),
          commission,
          /** Fen of commission per yuan (100 fen) recovered. */
          costPerYuanRecoveredFen: recovered ? Math.round((commission * 100) / recovered) : null,
          complaintRecalls: num(r.complaints),
          contacts,
          ruleRefusals: refusals,
          ruleRefusalsPerThousandContacts: perThousand(refusals, contacts),
          promisesKept: promises.kept,
          promisesBroken: promises.broken,
          promiseKeptRateBps: promises.keptRateBps,
          /** The bank's own collectors on comparable cases: same stages, entered in the year, held by no agency over the term. */
          bank,
        };
      }),
    };
  }
}
