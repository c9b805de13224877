import { bulkUpsert, type ProjectionContext, type Row } from '#projections';

/**
 * The rows one projection batch touches in one table: read once per batch (prefetch), changed in
 * memory, written back with one multi-row upsert. Rows are read as JSON (`row_to_json`), so dates
 * come back as `YYYY-MM-DD` strings and numbers as numbers, exactly as they are written.
 */
export class RowCache<R extends Row> {
  private readonly rows = new Map<string, R | null>();
  private readonly dirty = new Set<string>();

  constructor(
    private readonly ctx: ProjectionContext,
    private readonly table: string,
    private readonly key: keyof R & string,
  ) {}

  async prefetch(keys: Iterable<string>): Promise<void> {
    const missing = [...new Set(keys)].filter((k) => !this.rows.has(k));
    if (missing.length === 0) return;
    const physical = this.ctx.table(this.table);
    const { rows } = await this.ctx.query<{ r: R }>(`SELECT row_to_json(t) AS r FROM ${physical} t WHERE ${this.key} = ANY ($1::text[])`, [missing]);
    for (const k of missing) this.rows.set(k, null);
    for (const { r } of rows) this.rows.set(String(r[this.key]), r);
  }

  async get(key: string): Promise<R | undefined> {
    if (!this.rows.has(key)) await this.prefetch([key]);
    return this.rows.get(key) ?? undefined;
  }

  /** The row if already loaded or set in this batch (no query). */
  peek(key: string): R | undefined {
    return this.rows.get(key) ?? undefined;
  }

  set(row: R): R {
    const key = String(row[this.key]);
    this.rows.set(key, row);
    this.dirty.add(key);
    return row;
  }

  async flush(): Promise<void> {
    const changed = [...this.dirty].map((k) => this.rows.get(k)).filter((r): r is R => !!r);
    this.dirty.clear();
    await bulkUpsert(this.ctx, this.ctx.table(this.table), changed, [this.key]);
  }
}
