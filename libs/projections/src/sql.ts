import type { ProjectionContext } from './projection.js';

export type Row = Record<string, unknown>;

const IDENT = /^[a-z_][a-z0-9_]*$/;
const MAX_PARAMS = 60_000;

function ident(name: string): string {
  if (!IDENT.test(name)) throw new Error(`not a plain SQL identifier: ${name}`);
  return name;
}

/** One multi-row INSERT .. ON CONFLICT DO UPDATE per chunk (no per-row round trips). */
export async function bulkUpsert(ctx: Pick<ProjectionContext, 'query'>, table: string, rows: readonly Row[], conflict: readonly string[]): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]).map(ident);
  const perChunk = Math.max(1, Math.floor(MAX_PARAMS / columns.length));
  const updates = columns.filter((c) => !conflict.includes(c)).map((c) => `${c} = EXCLUDED.${c}`);
  for (let start = 0; start < rows.length; start += perChunk) {
    const chunk = rows.slice(start, start + perChunk);
    const values: unknown[] = [];
    const tuples = chunk.map((row) => {
      const marks = columns.map((c) => {
        const v = row[c];
        values.push(v !== null && typeof v === 'object' && !(v instanceof Date) ? JSON.stringify(v) : v);
        return `$${values.length}`;
      });
      return `(${marks.join(', ')})`;
    });
    await ctx.query(
      `INSERT INTO ${ident(table)} (${columns.join(', ')}) VALUES ${tuples.join(', ')}
       ON CONFLICT (${conflict.map(ident).join(', ')}) ${updates.length ? `DO UPDATE SET ${updates.join(', ')}` : 'DO NOTHING'}`,
      values,
    );
  }
}

export async function bulkDelete(ctx: Pick<ProjectionContext, 'query'>, table: string, key: string, keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return;
  await ctx.query(`DELETE FROM ${ident(table)} WHERE ${ident(key)} = ANY ($1::text[])`, [keys]);
}
