import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger, Module } from '@nestjs/common';
import type pg from 'pg';
import { APP_CONFIG, PG_POOL, vaultKeyDir, type AppConfig } from '#platform';
import type { ContextRegistration } from '#messaging';
import { PersonalDataController } from './api/personal-data.controller.js';
import { VaultSchema1732838400100 } from './application/schema.js';
import { PersonalDataVault } from './application/vault.js';
import { ClearReadScope, caseAssignmentsProjection } from './read-model/case-assignments.js';

/**
 * The vault's master key: VAULT_MASTER_KEY (32 bytes, base64), from a secret store, in production
 * (the configuration requires it when NODE_ENV=production). On the embedded default one is
 * generated on first start into VAULT_KEY_DIR (default `<data dir>.vault`, beside the data
 * directory and never inside it), so a copy of the database files alone does not decrypt. A key
 * an older version generated into the data directory itself is moved out on start.
 */
export function vaultMasterKey(config: AppConfig): Buffer {
  if (config.VAULT_MASTER_KEY) return Buffer.from(config.VAULT_MASTER_KEY, 'base64');
  const dir = vaultKeyDir(config);
  const file = join(dir, 'master-key');
  const legacy = join(config.ARREARS_DATA_DIR, 'vault-master-key');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (!existsSync(file) && existsSync(legacy)) {
    copyFileSync(legacy, file);
    chmodSync(file, 0o600);
    unlinkSync(legacy);
    new Logger('vault').warn(`moved the vault master key out of the data directory: ${legacy} -> ${file}`);
  } else if (existsSync(legacy)) {
    if (readFileSync(legacy, 'utf8').trim() === readFileSync(file, 'utf8').trim()) unlinkSync(legacy);
    else
      throw new Error(
        `two vault master keys: ${legacy} (inside the data directory) and ${file}; keep the one that wraps this database's keys and delete the other`,
      );
  }
  try {
    writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
  } catch (err) {
    // Kept: another start generated it first.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
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
