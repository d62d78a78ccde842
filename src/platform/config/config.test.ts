import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './index.ts';

describe('loadConfig', () => {
  it('defaults to the embedded database on port 3000 with data under ./.caravan', () => {
    const config = loadConfig({}, '/srv/caravan');
    expect(config.port).toBe(3000);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.dataDir).toBe(path.resolve('/srv/caravan/.caravan'));
    expect(config.seedDemoData).toBe(true);
  });

  it('reads a PostgreSQL URL and the port', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://app@db:5432/caravan', PORT: '8080' });
    expect(config.databaseUrl).toBe('postgres://app@db:5432/caravan');
    expect(config.port).toBe(8080);
  });

  it('does not seed demo data in production unless asked', () => {
    expect(loadConfig({ NODE_ENV: 'production' }).seedDemoData).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', CARAVAN_SEED_DEMO: 'true' }).seedDemoData).toBe(true);
  });

  it('names every bad setting at once', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x/y', LOG_LEVEL: 'loud', CARAVAN_WORKERS: 'maybe' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(4);
    expect(problems[0]).toMatch(/^PORT must be a whole number between 0 and 65535 \(got "eighty"\)/);
    expect(problems.join('\n')).toMatch(/DATABASE_URL must use the postgres:\/\/ scheme/);
    expect(problems.join('\n')).toMatch(/LOG_LEVEL must be one of/);
    expect(problems.join('\n')).toMatch(/CARAVAN_WORKERS must be true or false/);
    expect((error as Error).message).toMatch(/^Invalid configuration:/);
  });

  it('takes payments through the sandbox unless told otherwise, and refuses a provider it does not have', () => {
    expect(loadConfig({}).payments).toEqual({ provider: 'sandbox' });
    expect(loadConfig({ PAYMENT_PROVIDER: 'sandbox' }).payments).toEqual({ provider: 'sandbox' });
    expect(() => loadConfig({ PAYMENT_PROVIDER: 'stripe' })).toThrow(/PAYMENT_PROVIDER must be sandbox: the built-in sandbox \(no money moves\) is the only payment provider so far \(got "stripe"\)/);
  });

  it('never echoes a database URL back, since it may hold a password', () => {
    const load = () => loadConfig({ DATABASE_URL: 'postgres://u:hunter2@h/' });
    expect(load).toThrow(/DATABASE_URL must name a database/);
    expect(load).not.toThrow(/hunter2/);
  });

  it('opens metrics only with a token of some length, and never echoes it', () => {
    expect(loadConfig({}).metricsToken).toBeUndefined();
    expect(loadConfig({ METRICS_TOKEN: 'a-scrape-token-of-32-characters!' }).metricsToken).toBe('a-scrape-token-of-32-characters!');
    const short = () => loadConfig({ METRICS_TOKEN: 'short-secret' });
    expect(short).toThrow(/METRICS_TOKEN must be at least 16 characters without spaces/);
    expect(short).not.toThrow(/short-secret/);
  });
});
