import path from 'node:path';
import { DATA_DIR } from '../paths.ts';

/**
 * Configuration comes only from the environment (secrets included) and is validated at start-up.
 * Every bad or missing setting is reported together, each by its variable name.
 */
export interface Config {
  env: 'development' | 'test' | 'production';
  host: string;
  port: number;
  /** postgres:// URL of a PostgreSQL server; absent means the embedded PGlite database. */
  databaseUrl: string | undefined;
  databasePoolMax: number;
  dataDir: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  bodyLimitBytes: number;
  uploadMaxBytes: number;
  sessionTtlHours: number;
  /** New accounts allowed per client address per hour (sign-up is public). */
  signUpsPerHourPerAddress: number;
  seedDemoData: boolean;
  runWorkers: boolean;
  trustProxy: boolean;
  /** Folder holding a sanctions list in the SDN file format (sdn.csv, alt.csv). */
  sanctionsListDir: string;
  /** Where tracking events come from: the built-in carrier simulator, or a tracking aggregator over HTTP. */
  tracking: { provider: 'simulator' } | { provider: 'aggregator'; baseUrl: string; apiKey: string; webhookSecret: string };
  /** Who takes buyers' payments: only the built-in sandbox so far (no money moves). */
  payments: { provider: 'sandbox' };
  /** The bearer token a metrics scraper presents at /metrics; without one, /metrics is closed. */
  metricsToken: string | undefined;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

type Env = Record<string, string | undefined>;
type Parser<T> = (raw: string) => T;

function integer(min: number, max: number): Parser<number> {
  return (raw) => {
    if (!/^\d+$/.test(raw.trim())) throw new Error(`must be a whole number between ${min} and ${max}`);
    const value = Number(raw);
    if (value < min || value > max) throw new Error(`must be a whole number between ${min} and ${max}`);
    return value;
  };
}

function oneOf<const T extends string>(...values: T[]): Parser<T> {
  return (raw) => {
    if (!(values as string[]).includes(raw)) throw new Error(`must be one of ${values.join(', ')}`);
    return raw as T;
  };
}

const boolean: Parser<boolean> = (raw) => {
  const value = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off'].includes(value)) return false;
  throw new Error('must be true or false');
};

const postgresUrl: Parser<string> = (raw) => {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error('must be a URL such as postgres://user@host:5432/database');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new Error(`must use the postgres:// scheme (got ${url.protocol}//)`);
  }
  if (url.pathname.length <= 1) throw new Error('must name a database, e.g. postgres://host:5432/caravan');
  return raw;
};

const text: Parser<string> = (raw) => {
  if (raw.trim() === '') throw new Error('must not be empty');
  return raw;
};

const secretToken: Parser<string> = (raw) => {
  if (raw.length < 16 || /\s/.test(raw)) throw new Error('must be at least 16 characters without spaces');
  return raw;
};

// Only the sandbox exists yet: any other name is refused at start-up rather than quietly taking no payments.
const paymentProvider: Parser<'sandbox'> = (raw) => {
  if (raw !== 'sandbox') throw new Error('must be sandbox: the built-in sandbox (no money moves) is the only payment provider so far');
  return raw;
};

const MiB = 1024 * 1024;

export function loadConfig(env: Env = process.env, cwd = process.cwd()): Config {
  const problems: string[] = [];
  function read<T>(name: string, parse: Parser<T>, fallback: T): T;
  function read<T>(name: string, parse: Parser<T>, fallback: undefined): T | undefined;
  function read<T>(name: string, parse: Parser<T>, fallback: T | undefined): T | undefined {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    try {
      return parse(raw);
    } catch (error) {
      const shown = /URL|SECRET|PASSWORD|TOKEN/.test(name) ? '' : ` (got "${raw}")`;
      problems.push(`${name} ${(error as Error).message}${shown}`);
      return fallback;
    }
  }

  const nodeEnv = read('NODE_ENV', oneOf('development', 'test', 'production'), 'development');
  const dataDir = path.resolve(cwd, read('CARAVAN_DATA_DIR', text, '.caravan'));
  const config: Config = {
    env: nodeEnv,
    host: read('HOST', text, 'localhost'),
    port: read('PORT', integer(0, 65535), 3000),
    databaseUrl: read('DATABASE_URL', postgresUrl, undefined),
    databasePoolMax: read('DATABASE_POOL_MAX', integer(1, 500), 10),
    dataDir,
    logLevel: read('LOG_LEVEL', oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'), 'info'),
    bodyLimitBytes: read('HTTP_BODY_LIMIT_BYTES', integer(1024, 64 * MiB), 1 * MiB),
    uploadMaxBytes: read('UPLOAD_MAX_BYTES', integer(1024, 100 * MiB), 10 * MiB),
    sessionTtlHours: read('SESSION_TTL_HOURS', integer(1, 24 * 90), 72),
    signUpsPerHourPerAddress: read('SIGN_UPS_PER_HOUR_PER_ADDRESS', integer(1, 1_000_000), 20),
    seedDemoData: read('CARAVAN_SEED_DEMO', boolean, nodeEnv !== 'production'),
    runWorkers: read('CARAVAN_WORKERS', boolean, true),
    trustProxy: read('TRUST_PROXY', boolean, false),
    // The shipped sample list is found wherever the command runs; a list of the operator's own is named from where they are.
    sanctionsListDir: path.resolve(cwd, read('SANCTIONS_LIST_DIR', text, path.join(DATA_DIR, 'sanctions', 'sample'))),
    tracking: { provider: 'simulator' },
    payments: { provider: read('PAYMENT_PROVIDER', paymentProvider, 'sandbox') },
    metricsToken: read('METRICS_TOKEN', secretToken, undefined),
  };
  const trackingProvider = read('TRACKING_PROVIDER', oneOf('simulator', 'aggregator'), 'simulator');
  if (trackingProvider === 'aggregator') {
    const required = (name: string) => {
      const value = read(name, text, undefined);
      if (value === undefined) problems.push(`${name} is required when TRACKING_PROVIDER is aggregator`);
      return value ?? '';
    };
    config.tracking = { provider: 'aggregator', baseUrl: required('TRACKING_AGGREGATOR_URL'), apiKey: required('TRACKING_AGGREGATOR_API_KEY'), webhookSecret: required('TRACKING_WEBHOOK_SECRET') };
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
