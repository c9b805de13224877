import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Audit once searched the Postgres event table directly and indexed it for that. It now keeps its
 * own index (audit_events, see audit-index.ts) whatever the store, so this migration creates
 * nothing any more (AuditIndexSchema drops what it made where it ran). It keeps its name so that
 * databases which applied it stay in step.
 */
export class AuditIndexes1732838400200 implements MigrationInterface {
  name = 'AuditIndexes1732838400200';

  async up(_q: QueryRunner): Promise<void> {
    // Superseded by AuditIndexSchema1764900000000.
  }

  async down(_q: QueryRunner): Promise<void> {
    // Nothing was created.
  }
}
