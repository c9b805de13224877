import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Module } from '@nestjs/common';
import type pg from 'pg';
import { APP_CONFIG, PG_POOL, type AppConfig, type ContextRegistration } from '#platform';
import { PersonalDataController } from './api/personal-data.controller.js';
import { VaultSchema1732838400100 } from './application/schema.js';
import { PersonalDataVault } from './application/vault.js';
import { ClearReadScope, caseAssignmentsProjection } from './read-model/case-assignments.js';

/**
 * The vault's master key: VAULT_MASTER_KEY (32 bytes, base64) in production, where it belongs in
 * a secret store; on the embedded default one generated into the data directory on first start.
 */
export function vaultMasterKey(config: AppConfig): Buffer {
  if (config.VAULT_MASTER_KEY) return Buffer.from(config.VAULT_MASTER_KEY, 'base64');
  const file = join(config.ARREARS_DATA_DIR, 'vault-master-key');
  if (!existsSync(file)) {
    mkdirSync(config.ARREARS_DATA_DIR, { recursive: true });
    writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
}

@Module({
  // HTTP
  controllers: [PersonalDataController],
  // Application
  providers: [
    {
      provide: PersonalDataVault,
      inject: [PG_POOL, APP_CONFIG],
      useFactory: (pool: pg.Pool, config: AppConfig) => new PersonalDataVault(pool, vaultMasterKey(config)),
    },
    // Read model: who works which customer, from Collection's published case events
    { provide: ClearReadScope, inject: [PG_POOL], useFactory: (pool: pg.Pool) => new ClearReadScope(pool) },
  ],
  exports: [PersonalDataVault],
})
export class VaultModule {}

export const vaultContext: ContextRegistration = {
  name: 'vault',
  module: VaultModule,
  projections: [caseAssignmentsProjection],
  migrations: [VaultSchema1732838400100],
};
