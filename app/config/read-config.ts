import { readFileSync } from 'node:fs';

export interface Config {
  appId: string;
  privateKey: string;
  webhookSecret: string;
  /** The app's public URL: the audience that steps ask OIDC tokens for. */
  publicUrl: string;
  oidcIssuer: string;
  /** Default: `<issuer>/.well-known/jwks` via the issuer's discovery document. */
  oidcJwksUrl: string | undefined;
  dataDir: string;
  databaseUrl: string | undefined;
  /** PostgreSQL schema for the tables (default public). */
  databaseSchema: string;
  /** GitHub's REST API base URL (GHE_HOST/GHE_PROTOCOL, or GITHUB_API_URL for tests). */
  githubApiUrl: string;
  /** GitHub writes (check runs) per installation: sustained per minute (0 = unpaced), and burst. */
  githubWrites: { perMinute: number; burst: number };
  port: number;
  host: string;
  logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
}

export class ConfigError extends Error {
  constructor(variable: string, problem: string, fix: string) {
    super(`${variable}: ${problem}. ${fix}`);
    this.name = 'ConfigError';
  }
}

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;

function url(env: NodeJS.ProcessEnv, name: string, fallback?: string): string {
  const value = env[name] ?? fallback;
  if (!value)
    throw new ConfigError(name, 'is not set', `Set it to a URL, e.g. ${name}=https://jit.example.com`);
  try {
    const parsed = new URL(value);
    if (!/^https?:$/.test(parsed.protocol)) throw new Error('protocol');
  } catch {
    throw new ConfigError(name, `"${value}" is not an http(s) URL`, 'Give the full URL including https://');
  }
  return value.replace(/\/+$/, '');
}

function privateKey(env: NodeJS.ProcessEnv, readFile: (path: string) => string): string {
  let pem = env.PRIVATE_KEY;
  if (!pem && env.PRIVATE_KEY_PATH) {
    try {
      pem = readFile(env.PRIVATE_KEY_PATH);
    } catch (cause) {
      throw new ConfigError(
        'PRIVATE_KEY_PATH',
        `cannot read ${env.PRIVATE_KEY_PATH} (${(cause as Error).message})`,
        'Point it at the .pem file downloaded from the app settings',
      );
    }
  }
  if (!pem)
    throw new ConfigError(
      'PRIVATE_KEY',
      'neither PRIVATE_KEY nor PRIVATE_KEY_PATH is set',
      "Set PRIVATE_KEY_PATH to the app's .pem file, or PRIVATE_KEY to its contents",
    );
  pem = pem.replaceAll('\\n', '\n');
  if (!/-----BEGIN (RSA )?PRIVATE KEY-----/.test(pem)) {
    throw new ConfigError(
      env.PRIVATE_KEY ? 'PRIVATE_KEY' : 'PRIVATE_KEY_PATH',
      'is not a PEM private key',
      'Use the .pem file GitHub generated for the app',
    );
  }
  return pem;
}

function count(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min)
    throw new ConfigError(name, `"${raw}" is not a whole number of at least ${min}`, `Use e.g. ${fallback}`);
  return n;
}

function schema(value: string | undefined): string {
  const name = value ?? 'public';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name))
    throw new ConfigError(
      'DATABASE_SCHEMA',
      `"${name}" is not a plain schema name`,
      'Use lower-case letters, digits and _',
    );
  return name;
}

/** Reads and checks every setting once, at start. Throws a ConfigError naming the variable and the fix. */
export function readConfig(
  env: NodeJS.ProcessEnv = process.env,
  readFile = (p: string) => readFileSync(p, 'utf8'),
): Config {
  const appId = env.APP_ID ?? '';
  if (!/^\d+$/.test(appId))
    throw new ConfigError(
      'APP_ID',
      appId ? `"${appId}" is not a number` : 'is not set',
      "Set it to the App ID shown on the app's settings page",
    );
  const webhookSecret = env.WEBHOOK_SECRET ?? '';
  if (webhookSecret.length < 16)
    throw new ConfigError(
      'WEBHOOK_SECRET',
      webhookSecret ? 'is shorter than 16 characters' : 'is not set',
      'Set it to the webhook secret of the app (generate one with `openssl rand -hex 32`)',
    );
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ConfigError('PORT', `"${env.PORT}" is not a port number`, 'Use a number from 0 to 65535');
  const logLevel = (env.LOG_LEVEL ?? 'info') as Config['logLevel'];
  if (!LEVELS.includes(logLevel))
    throw new ConfigError(
      'LOG_LEVEL',
      `"${env.LOG_LEVEL}" is not a level`,
      `Use one of ${LEVELS.join(', ')}`,
    );
  const gheHost = env.GHE_HOST;
  const githubApiUrl = gheHost
    ? url({ GHE: `${env.GHE_PROTOCOL ?? 'https'}://${gheHost}/api/v3` }, 'GHE')
    : url(env, 'GITHUB_API_URL', 'https://api.github.com');
  const databaseUrl = env.DATABASE_URL;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl))
    throw new ConfigError(
      'DATABASE_URL',
      'is not a postgres:// URL',
      'Leave it unset for SQLite, or give postgres://user@host/db',
    );
  return {
    appId,
    privateKey: privateKey(env, readFile),
    webhookSecret,
    publicUrl: url(env, 'PUBLIC_URL'),
    oidcIssuer: url(env, 'OIDC_ISSUER', 'https://token.actions.githubusercontent.com'),
    oidcJwksUrl: env.OIDC_JWKS_URL ? url(env, 'OIDC_JWKS_URL') : undefined,
    dataDir: env.DATA_DIR ?? './data',
    databaseUrl,
    databaseSchema: schema(env.DATABASE_SCHEMA),
    githubApiUrl,
    githubWrites: {
      perMinute: count(env, 'GITHUB_WRITES_PER_MINUTE', 60, 0),
      burst: count(env, 'GITHUB_WRITE_BURST', 20, 1),
    },
    port,
    host: env.HOST ?? '127.0.0.1',
    logLevel,
  };
}
