import type { MigrationInterface, QueryRunner } from 'typeorm';
import type { MigrationClass } from './database.js';

/**
 * A schema migration that is one SQL script up and one back down. `name` ends in the 13-digit
 * timestamp TypeORM orders migrations by and records in `schema_migrations`, as a hand-written
 * migration class's name does.
 */
export function sqlMigration(name: string, up: string, down: string): MigrationClass {
  return class SqlMigration implements MigrationInterface {
    readonly name = name;

    async up(q: QueryRunner): Promise<void> {
      await q.query(up);
    }

    async down(q: QueryRunner): Promise<void> {
      await q.query(down);
    }
  };
}
