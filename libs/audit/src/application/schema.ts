import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Lets audit find every stream that names a loan or a customer without scanning the store. */
export class AuditIndexes1732838400200 implements MigrationInterface {
  name = 'AuditIndexes1732838400200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE INDEX es_events_loan_id ON es_events ((data->>'loanId'), stream_id) WHERE data ? 'loanId';
      CREATE INDEX es_events_customer_id ON es_events ((data->>'customerId'), stream_id) WHERE data ? 'customerId';
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX es_events_customer_id; DROP INDEX es_events_loan_id;');
  }
}
