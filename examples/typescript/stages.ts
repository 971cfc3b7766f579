/**
 * What differs between stages: the warehouse each one reads, where records go, how often syncs run.
 * Connection settings can be overridden per stage from the environment (`STAGING_WAREHOUSE_HOST`,
 * `PRODUCTION_WAREHOUSE_PORT`, ...), so CI can point a stage at its own database; secrets are never here,
 * only the names of the variables Backflow reads them from when it plans and applies.
 */
export const STAGES = ['staging', 'production'] as const;
export type Stage = (typeof STAGES)[number];

export interface StageSettings {
  stage: Stage;
  warehouse: { host: string; port: number; database: string; user: string };
  /** Environment variable holding the warehouse password (read by Backflow, not by this app). */
  passwordEnv: string;
  crm: { url: string; tokenEnv: string };
  /** Orders above this amount are "big orders". */
  bigOrderThreshold: number;
  /** How often active users are synced. */
  usersInterval: string;
}

const DEFAULTS: Record<Stage, Omit<StageSettings, 'stage' | 'passwordEnv'>> = {
  staging: {
    warehouse: { host: '127.0.0.1', port: 5432, database: 'analytics_staging', user: 'retl' },
    crm: { url: 'https://hooks.example.com/crm-staging', tokenEnv: 'STAGING_CRM_TOKEN' },
    bigOrderThreshold: 100,
    usersInterval: '1d',
  },
  production: {
    warehouse: { host: '127.0.0.1', port: 5432, database: 'analytics', user: 'retl' },
    crm: { url: 'https://hooks.example.com/crm', tokenEnv: 'PRODUCTION_CRM_TOKEN' },
    bigOrderThreshold: 1000,
    usersInterval: '1h',
  },
};

export function stageSettings(stage: Stage, env: NodeJS.ProcessEnv = process.env): StageSettings {
  const prefix = `${stage.toUpperCase()}_WAREHOUSE_`;
  const d = DEFAULTS[stage];
  return {
    ...d,
    stage,
    warehouse: {
      host: env[`${prefix}HOST`] ?? d.warehouse.host,
      port: Number(env[`${prefix}PORT`] ?? d.warehouse.port),
      database: env[`${prefix}DATABASE`] ?? d.warehouse.database,
      user: env[`${prefix}USER`] ?? d.warehouse.user,
    },
    passwordEnv: `${prefix}PASSWORD`,
  };
}
