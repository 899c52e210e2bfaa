// A GitHub Actions OIDC issuer: discovery, JWKS, and the runner's ID token endpoint
// (ACTIONS_ID_TOKEN_REQUEST_URL), issuing RS256 tokens with GitHub's claim set and formats.
import { generateKeyPairSync, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SignJWT, exportJWK, type JWTPayload } from 'jose';
import type { GitHubSimulator } from './server.ts';

/** The context of one job, from which its claims are derived. */
export interface Job {
  repository: string;
  repositoryId: number;
  repositoryOwnerId?: number;
  actor: string;
  actorId?: number;
  /** Who started this attempt (a re-run keeps `actor`); default `actor`. */
  triggeringActor?: string;
  ref: string;
  sha: string;
  event: string;
  environment?: string;
  /** Workflow file path, e.g. `.github/workflows/deploy.yml`. */
  workflow: string;
  runId: number;
  runAttempt?: number;
  private?: boolean;
}

export interface MintOptions {
  audience: string | string[];
  /** Sign with a key the issuer does not publish (same `kid`). */
  wrongKey?: boolean;
  alg?: 'RS256' | 'none' | 'HS256';
  issuer?: string;
  /** Seconds from now; negative for an expired token. Default 300, as GitHub's. */
  expiresIn?: number;
  /** Claims to add or override (strings, as GitHub sends them). */
  claims?: Record<string, unknown>;
}

const b64 = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
const PREFIX = '/_oidc';
const TOKEN_PATH = '/_actions/idtoken';

export class OidcIssuer {
  readonly kid = randomUUID();
  readonly #key: { privateKey: KeyObject; publicKey: KeyObject };
  readonly #otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  readonly #jobs = new Map<string, Job>();
  readonly #sim: GitHubSimulator;
  /** Every ID token requested through the runner endpoint, with its audience. */
  readonly requests: { audience: string | null; job: Job }[] = [];

  constructor(sim: GitHubSimulator) {
    this.#key = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.#sim = sim;
    sim.sideHandlers.push((req, res, url) => this.#handle(req, res, url));
  }

  get issuer(): string {
    return `${this.#sim.url}${PREFIX}`;
  }

  get jwksUrl(): string {
    return `${this.issuer}/.well-known/jwks`;
  }

  /** GitHub's claims for a job, all strings, as in a real token. */
  claims(job: Job): JWTPayload {
    const [owner] = job.repository.split('/');
    const workflowRef = `${job.repository}/${job.workflow}@${job.ref}`;
    const sub = job.environment
      ? `repo:${job.repository}:environment:${job.environment}`
      : `repo:${job.repository}:ref:${job.ref}`;
    return {
      jti: randomUUID(),
      sub,
      ref: job.ref,
      sha: job.sha,
      repository: job.repository,
      repository_owner: owner,
      repository_owner_id: String(job.repositoryOwnerId ?? this.#sim.world.user(owner!)?.id ?? 1),
      repository_id: String(job.repositoryId),
      repository_visibility: job.private === false ? 'public' : 'private',
      run_id: String(job.runId),
      run_number: '1',
      run_attempt: String(job.runAttempt ?? 1),
      actor: job.actor,
      actor_id: String(job.actorId ?? 1),
      triggering_actor: job.triggeringActor ?? job.actor,
      workflow: job.workflow
        .split('/')
        .pop()!
        .replace(/\.ya?ml$/, ''),
      workflow_ref: workflowRef,
      workflow_sha: job.sha,
      job_workflow_ref: workflowRef,
      job_workflow_sha: job.sha,
      event_name: job.event,
      ref_type: job.ref.startsWith('refs/tags/') ? 'tag' : 'branch',
      ref_protected: 'false',
      head_ref: '',
      base_ref: '',
      runner_environment: 'github-hosted',
      ...(job.environment ? { environment: job.environment } : {}),
    };
  }

  /** A token for tests, with chosen claims and defects. */
  async mint(job: Job, opts: MintOptions): Promise<string> {
    const now = Math.floor(this.#sim.now().getTime() / 1000);
    const payload: JWTPayload = {
      ...this.claims(job),
      ...opts.claims,
      iss: opts.issuer ?? this.issuer,
      aud: opts.audience,
      nbf: now - 5,
      iat: now,
      exp: now + (opts.expiresIn ?? 300),
    };
    const alg = opts.alg ?? 'RS256';
    if (alg === 'none') return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(payload)}.`;
    if (alg === 'HS256') {
      // The classic confusion attack: HMAC keyed with the issuer's public key.
      const secret = new TextEncoder().encode(
        this.#key.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      );
      return new SignJWT(payload)
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: this.kid })
        .sign(secret);
    }
    return new SignJWT(payload)
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: this.kid, x5t: this.kid })
      .sign(opts.wrongKey ? this.#otherKey : this.#key.privateKey);
  }

  /** The variables the runner gives a job with `permissions: id-token: write`. */
  jobEnv(job: Job): { ACTIONS_ID_TOKEN_REQUEST_URL: string; ACTIONS_ID_TOKEN_REQUEST_TOKEN: string } {
    const requestToken = randomBytes(24).toString('hex');
    this.#jobs.set(requestToken, job);
    return {
      ACTIONS_ID_TOKEN_REQUEST_URL: `${this.#sim.url}${TOKEN_PATH}?api-version=2.0`,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: requestToken,
    };
  }

  async #handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const json = (status: number, body: unknown): true => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      return true;
    };
    if (url.pathname === `${PREFIX}/.well-known/openid-configuration`) {
      return json(200, {
        issuer: this.issuer,
        jwks_uri: this.jwksUrl,
        subject_types_supported: ['public', 'pairwise'],
        response_types_supported: ['id_token'],
        claims_supported: [
          'sub',
          'aud',
          'exp',
          'iat',
          'iss',
          'jti',
          'nbf',
          'ref',
          'sha',
          'repository',
          'repository_id',
          'run_id',
          'actor',
          'environment',
          'workflow_ref',
        ],
        id_token_signing_alg_values_supported: ['RS256'],
        scopes_supported: ['openid'],
      });
    }
    if (url.pathname === `${PREFIX}/.well-known/jwks`) {
      const jwk = await exportJWK(this.#key.publicKey);
      return json(200, { keys: [{ ...jwk, kid: this.kid, alg: 'RS256', use: 'sig' }] });
    }
    if (url.pathname !== TOKEN_PATH) return false;
    if (url.searchParams.get('api-version') !== '2.0')
      return json(400, { message: 'api-version 2.0 is required' });
    const bearer = /^bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const job = bearer ? this.#jobs.get(bearer) : undefined;
    if (!job) return json(401, { message: 'The request token is missing or not valid for this job' });
    const audience = url.searchParams.get('audience');
    this.requests.push({ audience, job });
    const value = await this.mint(job, {
      audience: audience ?? `https://github.com/${job.repository.split('/')[0]}`,
    });
    return json(200, { count: 1, value });
  }
}
