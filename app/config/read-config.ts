import { readFileSync } from 'node:fs';
import { ConfigError } from './config-error.ts';
import { pemKey } from './private-key.ts';
import { readMandatoryOrgs, type MandatoryOrgs } from './mandatory-orgs.ts';
import { readNotifyTargets, type NotifyTarget } from './notify-targets.ts';
import { readSignIn, type SignIn } from './sign-in.ts';

export interface Config {
  appId: string;
  privateKey: string;
  /** During a key rotation: the key the app used before, still accepted to open and check what it made. */
  previousPrivateKey: string | undefined;
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
  /**
   * GitHub's web host, where links to runs and check runs point and reviewers sign in:
   * `<GHE_PROTOCOL>://<GHE_HOST>`, else GITHUB_SERVER_URL (for tests), else https://github.com.
   */
  serverUrl: string;
  /** GitHub writes (check runs) per installation: sustained per minute (0 = unpaced), and burst. */
  githubWrites: { perMinute: number; burst: number };
  /** How long any one GitHub call may take, in ms, before it fails (503) and queued writes go on. */
  githubTimeoutMs: number;
  port: number;
  host: string;
  logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
  /**
   * Refuse steps that send no job id (`job.check_run_id`). Default true; set REQUIRE_JOB_ID=false
   * on GHES, whose runners have no such context (each matrix leg then needs its own approval).
   */
  requireJobId: boolean;
  /** `json` (one object a line) or `pretty`; unset: pretty on a terminal, else json. */
  logFormat: 'json' | 'pretty' | undefined;
  /** What the HTTP server accepts: the largest body, and how long a client may take to send a request. */
  http: { maxBodyBytes: number; headersTimeoutMs: number; requestTimeoutMs: number };
  /** Per run attempt: stored requests; long-polls held (per request and per run, per instance). */
  limits: { requestsPerRun: number; longPollsPerStep: number; longPollsPerRun: number };
  /**
   * How long `/readyz` answers from its last check, a "not installed" lookup is remembered, policies
   * are used unasked, and a screen reuses a team membership answer.
   */
  cache: { readyzMs: number; notInstalledMs: number; policiesMs: number; membershipMs: number };
  /** Chat and webhook targets, by name (NOTIFY_TARGETS or NOTIFY_TARGETS_FILE). */
  notifyTargets: Map<string, NotifyTarget>;
  /** Owners whose organization policies must be read, or their requests are denied (MANDATORY_ORG_POLICIES). */
  mandatoryOrgs: MandatoryOrgs;
  /** Sign-in with GitHub for the approval page; undefined: not configured (the page says so). */
  signIn: SignIn | undefined;
}

export { ConfigError };

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
const FORMATS = ['json', 'pretty'] as const;

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

/**
 * The app's private key, and during a key rotation the previous one (PREVIOUS_PRIVATE_KEY or
 * PREVIOUS_PRIVATE_KEY_PATH). The app and `jit-approvals audit verify` read them alike.
 */
export function readKeys(
  env: NodeJS.ProcessEnv = process.env,
  readFile = (p: string) => readFileSync(p, 'utf8'),
): { privateKey: string; previousPrivateKey: string | undefined } {
  const privateKey = pemKey(env, readFile, 'PRIVATE_KEY', 'the .pem file');
  if (!privateKey)
    throw new ConfigError(
      'PRIVATE_KEY',
      'neither PRIVATE_KEY nor PRIVATE_KEY_PATH is set',
      "Set PRIVATE_KEY_PATH to the app's .pem file, or PRIVATE_KEY to its contents",
    );
  return {
    privateKey,
    previousPrivateKey: pemKey(env, readFile, 'PREVIOUS_PRIVATE_KEY', "the app's previous .pem file"),
  };
}

function count(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min)
    throw new ConfigError(name, `"${raw}" is not a whole number of at least ${min}`, `Use e.g. ${fallback}`);
  return n;
}

/**
 * At least a second (without it a stranger's every page and vote would cost a call per team), at
 * most 10 minutes (that long a member removed from a team may still be shown Approve).
 */
function membershipCacheSeconds(env: NodeJS.ProcessEnv): number {
  const seconds = count(env, 'MEMBERSHIP_CACHE_SECONDS', 60, 1);
  if (seconds > 600)
    throw new ConfigError(
      'MEMBERSHIP_CACHE_SECONDS',
      `"${seconds}" is more than 600`,
      'A removed team member would be shown Approve that long; use at most 600 (e.g. 60)',
    );
  return seconds;
}

function logFormat(value: string | undefined): Config['logFormat'] {
  if (value === undefined || value === '') return undefined;
  if (!(FORMATS as readonly string[]).includes(value))
    throw new ConfigError(
      'LOG_FORMAT',
      `"${value}" is not a format`,
      'Use json (one object a line) or pretty (for a terminal), or leave it unset',
    );
  return value as Config['logFormat'];
}

function httpLimits(env: NodeJS.ProcessEnv): Config['http'] {
  const headers = count(env, 'HTTP_HEADERS_TIMEOUT_SECONDS', 10, 1);
  const request = count(env, 'HTTP_REQUEST_TIMEOUT_SECONDS', 60, 1);
  if (headers > request)
    throw new ConfigError(
      'HTTP_HEADERS_TIMEOUT_SECONDS',
      `${headers} is longer than HTTP_REQUEST_TIMEOUT_SECONDS (${request})`,
      'Make it at most the request timeout: the headers are part of the request',
    );
  return {
    maxBodyBytes: count(env, 'MAX_BODY_BYTES', 1024 * 1024, 1024),
    headersTimeoutMs: headers * 1000,
    requestTimeoutMs: request * 1000,
  };
}

/** A host name or address, optionally with a port: `ghe.acme.com`, `10.0.0.5:8443`, `[::1]:8080`. */
const HOST = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)(:\d{1,5})?$/;

/** GitHub Enterprise Server's REST API, `<GHE_PROTOCOL>://<GHE_HOST>/api/v3`. */
function gheApiUrl(host: string, protocol = 'https'): string {
  if (protocol !== 'https' && protocol !== 'http')
    throw new ConfigError(
      'GHE_PROTOCOL',
      `"${protocol}" is not https or http`,
      'Leave it unset (https), or set http for a server without TLS',
    );
  if (!HOST.test(host))
    throw new ConfigError(
      'GHE_HOST',
      `"${host}" is not a host name`,
      'Give the host only, e.g. GHE_HOST=github.example.com (no https:// and no path; set GHE_PROTOCOL=http for plain http)',
    );
  return `${protocol}://${host}/api/v3`;
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
  const githubApiUrl = env.GHE_HOST
    ? gheApiUrl(env.GHE_HOST, env.GHE_PROTOCOL || 'https')
    : url(env, 'GITHUB_API_URL', 'https://api.github.com');
  const serverUrl = env.GHE_HOST
    ? githubApiUrl.replace(/\/api\/v3$/, '')
    : url(env, 'GITHUB_SERVER_URL', 'https://github.com');
  const databaseUrl = env.DATABASE_URL;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl))
    throw new ConfigError(
      'DATABASE_URL',
      'is not a postgres:// URL',
      'Leave it unset for SQLite, or give postgres://user@host/db',
    );
  const requireJobId = (env.REQUIRE_JOB_ID ?? 'true').toLowerCase();
  if (requireJobId !== 'true' && requireJobId !== 'false')
    throw new ConfigError(
      'REQUIRE_JOB_ID',
      `"${env.REQUIRE_JOB_ID}" is not true or false`,
      'Leave it unset (true), or set false on GHES, where steps cannot send their job id',
    );
  return {
    appId,
    ...readKeys(env, readFile),
    webhookSecret,
    publicUrl: url(env, 'PUBLIC_URL'),
    oidcIssuer: url(env, 'OIDC_ISSUER', 'https://token.actions.githubusercontent.com'),
    oidcJwksUrl: env.OIDC_JWKS_URL ? url(env, 'OIDC_JWKS_URL') : undefined,
    dataDir: env.DATA_DIR ?? './data',
    databaseUrl,
    databaseSchema: schema(env.DATABASE_SCHEMA),
    githubApiUrl,
    serverUrl,
    githubWrites: {
      perMinute: count(env, 'GITHUB_WRITES_PER_MINUTE', 60, 0),
      burst: count(env, 'GITHUB_WRITE_BURST', 20, 1),
    },
    githubTimeoutMs: count(env, 'GITHUB_TIMEOUT_MS', 10_000, 100),
    port,
    host: env.HOST ?? '127.0.0.1',
    logLevel,
    requireJobId: requireJobId === 'true',
    notifyTargets: readNotifyTargets(env, readFile),
    mandatoryOrgs: readMandatoryOrgs(env.MANDATORY_ORG_POLICIES),
    signIn: readSignIn(env),
    logFormat: logFormat(env.LOG_FORMAT),
    http: httpLimits(env),
    limits: {
      requestsPerRun: count(env, 'MAX_REQUESTS_PER_RUN', 300, 1),
      longPollsPerStep: count(env, 'MAX_LONG_POLLS_PER_STEP', 20, 1),
      longPollsPerRun: count(env, 'MAX_LONG_POLLS_PER_RUN', 300, 1),
    },
    cache: {
      readyzMs: count(env, 'READYZ_CACHE_SECONDS', 5, 0) * 1000,
      notInstalledMs: count(env, 'NOT_INSTALLED_CACHE_SECONDS', 10, 0) * 1000,
      policiesMs: count(env, 'POLICY_CACHE_SECONDS', 60, 0) * 1000,
      membershipMs: membershipCacheSeconds(env) * 1000,
    },
  };
}
