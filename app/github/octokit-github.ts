import type { LoadResult } from '../policy/load.ts';
import { NO_REPO_POLICIES, ORG_REPO, withOrgPolicies } from '../policy/org-policies.ts';
import { Octokit } from '@octokit/rest';
import type { Probot } from 'probot';
import { AppError } from '../errors.ts';
import type { Metrics } from '../metrics.ts';
import { bounded, GitHubTimeoutError } from './bounded.ts';
import { countCalls } from './count-calls.ts';
import { MandatoryOrgWatch } from './mandatory-orgs.ts';
import type { Level } from '../policy/permissions.ts';
import { rateLimitOf } from './octokit-class.ts';
import type { CheckRunInput, GitHubPort, Thread } from './port.ts';
import { PolicySource, type ContentsClient } from './policy-source.ts';
import { RecentAnswers } from './recent-answers.ts';

type Kit = Awaited<ReturnType<Probot['auth']>>;

/** Why a call got no answer at all: the socket's error (connect ECONNREFUSED ...), not "HTTP 500". */
function transportCause(err: unknown): string {
  type Link = { message?: string; code?: string; cause?: Link };
  const chain: Link[] = [];
  for (let l = err as Link | undefined; l && chain.length < 4; l = l.cause) chain.push(l);
  return (
    chain.find((l) => l.message && l.message !== 'fetch failed')?.message ??
    chain.find((l) => l.code)?.code ??
    'no answer'
  );
}

/** GitHub failures the step should retry become 503; the cause stays attached for the log. */
function unavailable(what: string, err: unknown): AppError {
  const { status, response } = err as { status?: number; response?: unknown };
  const limit = rateLimitOf(err);
  const message = limit
    ? `GitHub's ${limit} stopped ${what} (HTTP ${status}); try again later`
    : err instanceof GitHubTimeoutError
      ? `${err.message} while ${what}; try again`
      : response === undefined
        ? `GitHub could not be reached while ${what} (${transportCause(err)}); try again`
        : `GitHub failed while ${what} (HTTP ${status}); try again`;
  return new AppError('unavailable', message, { cause: err });
}

/** Repositories remembered as without the app, at most (the oldest are forgotten first). */
const NOT_INSTALLED_MAX = 10_000;

const statusOf = (err: unknown): number | undefined => (err as { status?: number }).status;

/** Membership answers kept at most (per user, team and installation; the oldest go first). */
const MEMBERSHIPS_KEPT = 10_000;

/** Workflow files kept after reading them at a commit, and the largest kept (characters). */
const FILES_AT_COMMITS = 256;
const FILE_AT_COMMIT_MAX_CHARS = 256 * 1024;

/** The GitHub port over Probot's authenticated Octokit clients. */
export class OctokitGitHub implements GitHubPort {
  readonly #app: Probot;
  readonly #baseUrl: string;
  readonly #policies: PolicySource;
  readonly #installations = new Map<string, number>();
  /** Repositories found without the app, until when (ms): a stranger's retries cost no lookup. */
  readonly #notInstalled = new Map<string, number>();
  readonly #notInstalledCacheMs: number;
  /** Files read at a commit (immutable), oldest first: `FILES_AT_COMMITS` at most. */
  readonly #filesAtCommits = new Map<string, string>();
  readonly #now: () => number;
  readonly #policyMaxAgeMs: number;
  readonly #metrics: Metrics;
  readonly #timeoutMs: number;
  /** Team membership answers for screens (`cached: true`), reused for MEMBERSHIP_CACHE_SECONDS. */
  readonly #memberships: RecentAnswers<boolean>;
  readonly #mandatory: MandatoryOrgWatch;

  constructor(
    app: Probot,
    baseUrl: string,
    metrics: Metrics,
    {
      timeoutMs,
      notInstalledCacheMs = 10_000,
      membershipCacheMs = 60_000,
      policyMaxAgeMs = 0,
      now = Date.now,
      mandatoryOrgs = new MandatoryOrgWatch({ logins: new Set(), ids: new Set() }),
    }: {
      /** GITHUB_TIMEOUT_MS: bounds the calls made here with a client of their own. */
      timeoutMs: number;
      notInstalledCacheMs?: number;
      /** MEMBERSHIP_CACHE_SECONDS: how long a screen reuses an answer about a team membership. */
      membershipCacheMs?: number;
      /** POLICY_CACHE_SECONDS: how long policies GitHub confirmed are used without asking again. */
      policyMaxAgeMs?: number;
      now?: () => number;
      /** MANDATORY_ORG_POLICIES, and the mandatory owners seen. */
      mandatoryOrgs?: MandatoryOrgWatch;
    },
  ) {
    this.#mandatory = mandatoryOrgs;
    this.#policies = new PolicySource({ maxAgeMs: policyMaxAgeMs, now });
    this.#policyMaxAgeMs = policyMaxAgeMs;
    this.#app = app;
    this.#baseUrl = baseUrl;
    this.#metrics = metrics;
    this.#timeoutMs = timeoutMs;
    this.#notInstalledCacheMs = notInstalledCacheMs;
    this.#now = now;
    this.#memberships = new RecentAnswers({ maxAgeMs: membershipCacheMs, maxKept: MEMBERSHIPS_KEPT, now });
  }

  #notInstalledError(owner: string, repo: string, cause?: unknown): AppError {
    return new AppError(
      'forbidden',
      `the app is not installed on ${owner}/${repo}; install it on the repository first`,
      { cause },
    );
  }

  /** Remembers a "not installed" answer for a while; the oldest goes first when too many are held. */
  #rememberNotInstalled(key: string): void {
    if (this.#notInstalledCacheMs === 0) return;
    this.#notInstalled.delete(key);
    if (this.#notInstalled.size >= NOT_INSTALLED_MAX)
      this.#notInstalled.delete(this.#notInstalled.keys().next().value!);
    this.#notInstalled.set(key, this.#now() + this.#notInstalledCacheMs);
  }

  /** The client, its calls counted once answered (by route and HTTP status; see count-calls.ts). */
  #counted<K extends object>(kit: K): K {
    return countCalls(kit, this.#metrics);
  }

  readonly #kits = new Map<number, Promise<Kit>>();

  /**
   * One client per installation, made once: Probot's `auth(id)` builds a new Octokit with all its
   * plugins on every call, which cost more CPU than the rest of a request. Its auth hook keeps the
   * installation token fresh (cached for 59 minutes, then minted again).
   */
  #kit(installationId: number): Promise<Kit> {
    let kit = this.#kits.get(installationId);
    if (!kit) {
      kit = this.#app.auth(installationId).then((k) => this.#counted(k));
      this.#kits.set(installationId, kit);
      kit.catch(() => this.#kits.delete(installationId));
    }
    return kit;
  }

  async installationFor(owner: string, repo: string): Promise<number> {
    const key = `${owner}/${repo}`.toLowerCase();
    const known = this.#installations.get(key);
    if (known) return known;
    const until = this.#notInstalled.get(key);
    if (until !== undefined) {
      if (this.#now() < until) throw this.#notInstalledError(owner, repo);
      this.#notInstalled.delete(key);
    }
    try {
      const kit = await this.#app.auth();
      const { data } = await this.#counted(kit).request('GET /repos/{owner}/{repo}/installation', {
        owner,
        repo,
      });
      this.#installations.set(key, data.id);
      return data.id;
    } catch (err) {
      if (statusOf(err) === 404) {
        this.#rememberNotInstalled(key);
        throw this.#notInstalledError(owner, repo, err);
      }
      throw unavailable(`finding the installation of ${owner}/${repo}`, err);
    }
  }

  readonly #repositoryIds = new Map<string, number>();

  async repositoryId(
    installationId: number,
    owner: string,
    repo: string,
    { fresh = false } = {},
  ): Promise<number> {
    const key = `${owner}/${repo}`.toLowerCase();
    const known = fresh ? undefined : this.#repositoryIds.get(key);
    if (known !== undefined) return known;
    const kit = await this.#kit(installationId);
    try {
      const { data } = await this.#counted(kit).request('GET /repos/{owner}/{repo}', {
        owner,
        repo,
      });
      this.#repositoryIds.set(key, Number(data.id));
      return Number(data.id);
    } catch (err) {
      if (statusOf(err) === 404)
        throw new AppError('forbidden', `the app cannot read ${owner}/${repo}; check its installation`, {
          cause: err,
        });
      throw unavailable(`reading ${owner}/${repo}`, err);
    }
  }

  #contents(kit: Kit): ContentsClient {
    return {
      defaultBranch: async (o, r) =>
        (
          await this.#counted(kit).request('GET /repos/{owner}/{repo}', {
            owner: o,
            repo: r,
          })
        ).data.default_branch,
      get: async (o, r, path, ref, etag) => {
        try {
          const res = await this.#counted(kit).request('GET /repos/{owner}/{repo}/contents/{path}', {
            owner: o,
            repo: r,
            path,
            ref,
            headers: etag ? { 'if-none-match': etag } : {},
          });
          return { status: 200, etag: res.headers.etag, data: res.data };
        } catch (err) {
          if (statusOf(err) === 304) return { status: 304 };
          if (statusOf(err) === 404) return null;
          throw err;
        }
      },
    };
  }

  async loadPolicies(installationId: number, owner: string, repo: string, ownerId?: number) {
    let org: LoadResult | null;
    let own: LoadResult;
    const isOrgRepo = repo.toLowerCase() === ORG_REPO;
    try {
      const contents = this.#contents(await this.#kit(installationId));
      [own, org] = await Promise.all([
        this.#policies.load(contents, owner, repo),
        isOrgRepo ? null : this.#orgPolicies(contents, owner),
      ]);
    } catch (err) {
      throw unavailable(`reading the policies of ${owner}/${repo}`, err);
    }
    // The .github repository's own policies are the organization's: named as such, once.
    if (isOrgRepo) return withOrgPolicies(owner, own, NO_REPO_POLICIES);
    // Where the operator made them mandatory, organization policies that cannot be read deny.
    const ref = { login: owner, id: ownerId };
    const unreadable = this.#mandatory.applies(ref) ? this.#mandatory.note(installationId, ref, org) : null;
    return unreadable ?? withOrgPolicies(owner, org, own);
  }

  /** `<owner>/.github/.approvals/` through the caches (null: no `.github` the app can read). */
  async readOrgPolicies(installationId: number, owner: string): Promise<LoadResult | null> {
    try {
      return await this.#orgPolicies(this.#contents(await this.#kit(installationId)), owner);
    } catch (err) {
      throw unavailable(`reading the organization policies of ${owner}`, err);
    }
  }

  /**
   * The app's installations (`GET /app/installations`, as the app), at most `maxPages` pages of
   * 100; `more` says whether there were more than were read.
   */
  async listInstallations(
    maxPages = 10,
  ): Promise<{ installations: { id: number; account: { login: string; id: number } }[]; more: boolean }> {
    const kit = this.#counted(await this.#app.auth());
    const installations: { id: number; account: { login: string; id: number } }[] = [];
    try {
      for (let page = 1; page <= maxPages; page++) {
        const { data } = await kit.request('GET /app/installations', { per_page: 100, page });
        for (const i of data) {
          const account = i.account as { login?: string; slug?: string; id: number } | null;
          if (account)
            installations.push({
              id: i.id,
              account: { login: account.login ?? account.slug ?? '', id: account.id },
            });
        }
        if (data.length < 100) return { installations, more: false };
      }
    } catch (err) {
      throw unavailable("listing the app's installations", err);
    }
    return { installations, more: true };
  }

  async validatePoliciesAt(installationId: number, owner: string, repo: string, ref: string) {
    try {
      return await this.#policies.loadAt(this.#contents(await this.#kit(installationId)), owner, repo, ref);
    } catch (err) {
      throw unavailable(`reading the policies of ${owner}/${repo} at ${ref}`, err);
    }
  }

  invalidatePolicies(owner: string, repo: string): void {
    this.#policies.invalidate(owner, repo);
    if (repo.toLowerCase() === ORG_REPO) this.#orgMissing.delete(owner.toLowerCase());
  }

  /** Organizations found to have no `.github` repository the app can read, and when (epoch ms). */
  readonly #orgMissing = new Map<string, number>();

  /** `<owner>/.github/.approvals/`, or null where there is no `.github` repository the app can read. */
  async #orgPolicies(contents: ContentsClient, owner: string): Promise<LoadResult | null> {
    const key = owner.toLowerCase();
    const missingAt = this.#orgMissing.get(key);
    if (missingAt !== undefined && this.#now() - missingAt < this.#policyMaxAgeMs) return null;
    try {
      const result = await this.#policies.load(contents, owner, ORG_REPO);
      this.#orgMissing.delete(key);
      return result;
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
      this.#orgMissing.set(key, this.#now());
      return null;
    }
  }

  async pullRequestHead(
    installationId: number,
    owner: string,
    repo: string,
    number: number,
  ): Promise<string> {
    const kit = await this.#kit(installationId);
    try {
      return (
        await this.#counted(kit).request('GET /repos/{owner}/{repo}/pulls/{pull_number}', {
          owner,
          repo,
          pull_number: number,
        })
      ).data.head.sha;
    } catch (err) {
      throw unavailable(`reading pull request #${number}`, err);
    }
  }

  async getJob(installationId: number, owner: string, repo: string, jobId: number) {
    const kit = await this.#kit(installationId);
    try {
      const { data } = await this.#counted(kit).request('GET /repos/{owner}/{repo}/actions/jobs/{job_id}', {
        owner,
        repo,
        job_id: jobId,
      });
      return {
        id: Number(data.id),
        runId: Number(data.run_id),
        runAttempt: data.run_attempt ?? 1,
        name: data.name,
        status: data.status,
      };
    } catch (err) {
      if (statusOf(err) === 404) return null;
      throw unavailable(`reading job ${jobId} of ${owner}/${repo}`, err);
    }
  }

  async getRun(installationId: number, owner: string, repo: string, runId: number) {
    const kit = await this.#kit(installationId);
    try {
      const { data } = await this.#counted(kit).request('GET /repos/{owner}/{repo}/actions/runs/{run_id}', {
        owner,
        repo,
        run_id: runId,
        exclude_pull_requests: true,
      });
      return {
        id: Number(data.id),
        attempt: data.run_attempt ?? 1,
        path: data.path,
        actor: data.actor?.login ?? '',
        actorId: Number(data.actor?.id ?? 0),
        triggeringActor: data.triggering_actor?.login ?? data.actor?.login ?? '',
        triggeringActorId: Number(data.triggering_actor?.id ?? data.actor?.id ?? 0),
        headSha: data.head_sha,
        event: data.event,
      };
    } catch (err) {
      if (statusOf(err) === 404) return null;
      throw unavailable(`reading run ${runId} of ${owner}/${repo}`, err);
    }
  }

  async reviewGate(
    installationId: number,
    owner: string,
    repo: string,
    runId: number,
    answer: { environment: string; state: 'approved' | 'rejected'; comment: string },
  ) {
    const kit = await this.#kit(installationId);
    const route = 'POST /repos/{owner}/{repo}/actions/runs/{run_id}/deployment_protection_rule';
    try {
      await this.#counted(kit).request(route, {
        owner,
        repo,
        run_id: runId,
        environment_name: answer.environment,
        state: answer.state,
        // GitHub keeps at most 1024 characters of the comment.
        comment: answer.comment.slice(0, 1024),
      });
    } catch (err) {
      throw unavailable(`answering the protection rule of ${answer.environment} for run ${runId}`, err);
    }
  }

  async fileAt(installationId: number, owner: string, repo: string, path: string, ref: string) {
    // A file at a commit never changes: the steps of one run (a matrix) read their workflow once.
    const pinned = /^[0-9a-f]{40}$/.test(ref)
      ? `${installationId}:${owner}/${repo}:${ref}:${path}`
      : undefined;
    const known = pinned === undefined ? undefined : this.#filesAtCommits.get(pinned);
    if (known !== undefined) return known;
    const kit = await this.#kit(installationId);
    try {
      const found = await this.#contents(kit).get(owner, repo, path, ref, undefined);
      if (found === null || found.status !== 200) return null;
      const data = found.data as { type?: string; content?: string; encoding?: string };
      if (data.type !== 'file' || data.encoding !== 'base64' || data.content === undefined) return null;
      const text = Buffer.from(data.content, 'base64').toString('utf8');
      if (pinned !== undefined && text.length <= FILE_AT_COMMIT_MAX_CHARS) {
        if (this.#filesAtCommits.size >= FILES_AT_COMMITS)
          this.#filesAtCommits.delete(this.#filesAtCommits.keys().next().value!);
        this.#filesAtCommits.set(pinned, text);
      }
      return text;
    } catch (err) {
      throw unavailable(`reading ${path} of ${owner}/${repo} at ${ref}`, err);
    }
  }

  async canRead(installationId: number, owner: string, repo: string, login: string): Promise<boolean> {
    const kit = this.#counted(await this.#kit(installationId));
    try {
      const { data } = await kit.request('GET /repos/{owner}/{repo}', { owner, repo });
      if (data.visibility === 'public' || data.private === false) return true;
      const { data: level } = await kit.request(
        'GET /repos/{owner}/{repo}/collaborators/{username}/permission',
        { owner, repo, username: login },
      );
      return level.permission !== 'none';
    } catch (err) {
      if (statusOf(err) === 404) return false;
      throw unavailable(`checking whether ${login} may read ${owner}/${repo}`, err);
    }
  }

  async userId(installationId: number, login: string): Promise<number | null> {
    const kit = await this.#kit(installationId);
    try {
      const { data } = await this.#counted(kit).request('GET /users/{username}', { username: login });
      return Number(data.id);
    } catch (err) {
      if (statusOf(err) === 404) return null;
      throw unavailable(`reading the account of ${login}`, err);
    }
  }

  isActiveMember(
    installationId: number,
    team: string,
    login: string,
    { cached = false }: { cached?: boolean } = {},
  ): Promise<boolean> {
    if (!cached) return this.#askMembership(installationId, team, login);
    const key = `${installationId} ${team.toLowerCase()} ${login.toLowerCase()}`;
    return this.#memberships.get(key, () => this.#askMembership(installationId, team, login));
  }

  async #askMembership(installationId: number, team: string, login: string): Promise<boolean> {
    const [org, slug] = team.split('/') as [string, string];
    const kit = await this.#kit(installationId);
    try {
      const { data } = await this.#counted(kit).request(
        'GET /orgs/{org}/teams/{team_slug}/memberships/{username}',
        {
          org,
          team_slug: slug,
          username: login,
        },
      );
      return data.state === 'active';
    } catch (err) {
      if (statusOf(err) === 404) return false;
      throw unavailable(`checking ${login}'s membership of ${team}`, err);
    }
  }

  async createCheckRun(
    installationId: number,
    owner: string,
    repo: string,
    headSha: string,
    input: CheckRunInput,
  ): Promise<{ id: number; startedAt: number }> {
    const kit = await this.#kit(installationId);
    try {
      const { data } = await this.#counted(kit).request('POST /repos/{owner}/{repo}/check-runs', {
        owner,
        repo,
        head_sha: headSha,
        ...input,
      });
      return { id: Number(data.id), startedAt: Date.parse(data.started_at ?? '') || this.#now() };
    } catch (err) {
      throw unavailable('creating the approval check run', err);
    }
  }

  async updateCheckRun(
    installationId: number,
    owner: string,
    repo: string,
    id: number,
    input: CheckRunInput,
  ): Promise<void> {
    const kit = await this.#kit(installationId);
    try {
      await this.#counted(kit).request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', {
        owner,
        repo,
        check_run_id: id,
        ...input,
      });
    } catch (err) {
      throw unavailable('updating the approval check run', err);
    }
  }

  async postComment(
    installationId: number,
    owner: string,
    repo: string,
    on: Thread,
    body: string,
    opts: { lane?: 'low' } = {},
  ) {
    const kit = await this.#kit(installationId);
    const request = opts.lane ? { lane: opts.lane } : {};
    try {
      if (on.kind === 'pull') {
        const route = 'POST /repos/{owner}/{repo}/issues/{issue_number}/comments';
        const { data } = await this.#counted(kit).request(route, {
          owner,
          repo,
          issue_number: on.number,
          body,
          request,
        });
        return Number(data.id);
      }
      const route = 'POST /repos/{owner}/{repo}/commits/{commit_sha}/comments';
      const { data } = await this.#counted(kit).request(route, {
        owner,
        repo,
        commit_sha: on.sha,
        body,
        request,
      });
      return Number(data.id);
    } catch (err) {
      throw unavailable('commenting on the request', err);
    }
  }

  async editComment(
    installationId: number,
    owner: string,
    repo: string,
    on: Thread,
    id: number,
    body: string,
  ) {
    const kit = await this.#kit(installationId);
    try {
      const route =
        on.kind === 'pull'
          ? 'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}'
          : 'PATCH /repos/{owner}/{repo}/comments/{comment_id}';
      await this.#counted(kit).request(route, { owner, repo, comment_id: id, body });
    } catch (err) {
      throw unavailable('updating the comment on the request', err);
    }
  }

  async react(installationId: number, owner: string, repo: string, on: Thread, id: number, content: string) {
    const kit = await this.#kit(installationId);
    try {
      const route =
        on.kind === 'pull'
          ? 'POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions'
          : 'POST /repos/{owner}/{repo}/comments/{comment_id}/reactions';
      await this.#counted(kit).request(route, {
        owner,
        repo,
        comment_id: id,
        content: content as '+1',
      });
    } catch (err) {
      throw unavailable('reacting to a comment', err);
    }
  }

  async openIssue(
    installationId: number,
    owner: string,
    repo: string,
    issue: { title: string; body: string; assignees: string[]; labels?: string[] },
  ) {
    const kit = await this.#kit(installationId);
    try {
      const route = 'POST /repos/{owner}/{repo}/issues';
      const { data } = await this.#counted(kit).request(route, { owner, repo, ...issue });
      return data.number;
    } catch (err) {
      throw unavailable('opening an issue for the request', err);
    }
  }

  async updateIssue(
    installationId: number,
    owner: string,
    repo: string,
    number: number,
    change: { body?: string; state?: 'open' | 'closed' },
  ) {
    const kit = await this.#kit(installationId);
    try {
      const route = 'PATCH /repos/{owner}/{repo}/issues/{issue_number}';
      await this.#counted(kit).request(route, { owner, repo, issue_number: number, ...change });
    } catch (err) {
      throw unavailable('updating the issue of the request', err);
    }
  }

  async mintToken(
    installationId: number,
    repositoryId: number,
    permissions: Record<string, Level>,
  ): Promise<{ token: string; expiresAt: number }> {
    const kit = await this.#app.auth();
    try {
      const { data } = await this.#counted(kit).request(
        'POST /app/installations/{installation_id}/access_tokens',
        {
          installation_id: installationId,
          repository_ids: [repositoryId],
          permissions,
        },
      );
      return { token: data.token, expiresAt: Date.parse(data.expires_at) };
    } catch (err) {
      throw unavailable('minting the installation token', err);
    }
  }

  async revokeToken(token: string): Promise<void> {
    const kit = new Octokit({ auth: token, baseUrl: this.#baseUrl, request: { retries: 0 } });
    kit.hook.wrap('request', (request, opts) => bounded(request, opts, this.#timeoutMs));
    try {
      await this.#counted(kit).request('DELETE /installation/token');
    } catch (err) {
      if (statusOf(err) === 401) return; // already revoked or expired: nothing left to revoke
      throw unavailable('revoking an installation token', err);
    }
  }

  async ping(timeoutMs?: number): Promise<void> {
    const kit = await this.#app.auth();
    try {
      // No retries: a health check reports what it finds, within its own time.
      await this.#counted(kit).request('GET /app', {
        request: { retries: 0, timeout: timeoutMs },
      });
    } catch (err) {
      throw unavailable('checking the app', err);
    }
  }
}
