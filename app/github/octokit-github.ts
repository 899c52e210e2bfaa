import { Octokit } from '@octokit/rest';
import type { Probot } from 'probot';
import { AppError } from '../errors.ts';
import type { Metrics } from '../metrics.ts';
import type { Level } from '../policy/permissions.ts';
import { rateLimitOf } from './octokit-class.ts';
import type { CheckRunInput, GitHubPort } from './port.ts';
import { PolicySource, type ContentsClient } from './policy-source.ts';

type Kit = Awaited<ReturnType<Probot['auth']>>;

/** GitHub failures the step should retry become 503; the cause stays attached for the log. */
function unavailable(what: string, err: unknown): AppError {
  const status = (err as { status?: number }).status;
  const limit = rateLimitOf(err);
  return new AppError(
    'unavailable',
    limit
      ? `GitHub's ${limit} stopped ${what} (HTTP ${status}); try again later`
      : `GitHub failed while ${what}${status ? ` (HTTP ${status})` : ''}; try again`,
    { cause: err },
  );
}

const statusOf = (err: unknown): number | undefined => (err as { status?: number }).status;

/** The GitHub port over Probot's authenticated Octokit clients. */
export class OctokitGitHub implements GitHubPort {
  readonly #app: Probot;
  readonly #baseUrl: string;
  readonly #policies = new PolicySource();
  readonly #installations = new Map<string, number>();
  readonly #metrics: Metrics;

  constructor(app: Probot, baseUrl: string, metrics: Metrics) {
    this.#app = app;
    this.#baseUrl = baseUrl;
    this.#metrics = metrics;
  }

  /** The client, after counting a call of `route` (a 304 is counted apart by the caller). */
  #counted<K>(route: string, kit: K): K {
    this.#called(route);
    return kit;
  }

  /** Counts one GitHub API call by route (and 304s apart: they cost no rate limit). */
  #called(route: string, status = 'ok'): void {
    this.#metrics.count('jit_github_api_calls_total', 'GitHub API calls by route.', { route, status });
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
      kit = this.#app.auth(installationId);
      this.#kits.set(installationId, kit);
      kit.catch(() => this.#kits.delete(installationId));
    }
    return kit;
  }

  async installationFor(owner: string, repo: string): Promise<number> {
    const key = `${owner}/${repo}`.toLowerCase();
    const known = this.#installations.get(key);
    if (known) return known;
    try {
      const kit = await this.#app.auth();
      const { data } = await this.#counted('GET /repos/{owner}/{repo}/installation', kit).request(
        'GET /repos/{owner}/{repo}/installation',
        { owner, repo },
      );
      this.#installations.set(key, data.id);
      return data.id;
    } catch (err) {
      if (statusOf(err) === 404)
        throw new AppError(
          'forbidden',
          `the app is not installed on ${owner}/${repo}; install it on the repository first`,
          { cause: err },
        );
      throw unavailable(`finding the installation of ${owner}/${repo}`, err);
    }
  }

  #contents(kit: Kit): ContentsClient {
    return {
      defaultBranch: async (o, r) =>
        (
          await this.#counted('GET /repos/{owner}/{repo}', kit).request('GET /repos/{owner}/{repo}', {
            owner: o,
            repo: r,
          })
        ).data.default_branch,
      get: async (o, r, path, ref, etag) => {
        try {
          const res = await kit.request('GET /repos/{owner}/{repo}/contents/{path}', {
            owner: o,
            repo: r,
            path,
            ref,
            headers: etag ? { 'if-none-match': etag } : {},
          });
          this.#called('GET /repos/{owner}/{repo}/contents/{path}');
          return { status: 200, etag: res.headers.etag, data: res.data };
        } catch (err) {
          if (statusOf(err) === 304) {
            this.#called('GET /repos/{owner}/{repo}/contents/{path}', 'not_modified');
            return { status: 304 };
          }
          if (statusOf(err) === 404) return null;
          throw err;
        }
      },
    };
  }

  async loadPolicies(installationId: number, owner: string, repo: string) {
    try {
      return await this.#policies.load(this.#contents(await this.#kit(installationId)), owner, repo);
    } catch (err) {
      throw unavailable(`reading the policies of ${owner}/${repo}`, err);
    }
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
        await this.#counted('GET /repos/{owner}/{repo}/pulls/{pull_number}', kit).request(
          'GET /repos/{owner}/{repo}/pulls/{pull_number}',
          {
            owner,
            repo,
            pull_number: number,
          },
        )
      ).data.head.sha;
    } catch (err) {
      throw unavailable(`reading pull request #${number}`, err);
    }
  }

  async isActiveMember(installationId: number, team: string, login: string): Promise<boolean> {
    const [org, slug] = team.split('/') as [string, string];
    const kit = await this.#kit(installationId);
    try {
      const { data } = await this.#counted(
        'GET /orgs/{org}/teams/{team_slug}/memberships/{username}',
        kit,
      ).request('GET /orgs/{org}/teams/{team_slug}/memberships/{username}', {
        org,
        team_slug: slug,
        username: login,
      });
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
  ): Promise<number> {
    const kit = await this.#kit(installationId);
    try {
      const { data } = await this.#counted('POST /repos/{owner}/{repo}/check-runs', kit).request(
        'POST /repos/{owner}/{repo}/check-runs',
        {
          owner,
          repo,
          head_sha: headSha,
          ...input,
        },
      );
      return Number(data.id);
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
      await this.#counted('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', kit).request(
        'PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}',
        {
          owner,
          repo,
          check_run_id: id,
          ...input,
        },
      );
    } catch (err) {
      throw unavailable('updating the approval check run', err);
    }
  }

  async mintToken(
    installationId: number,
    repositoryId: number,
    permissions: Record<string, Level>,
  ): Promise<{ token: string; expiresAt: number }> {
    const kit = await this.#app.auth();
    try {
      const { data } = await this.#counted(
        'POST /app/installations/{installation_id}/access_tokens',
        kit,
      ).request('POST /app/installations/{installation_id}/access_tokens', {
        installation_id: installationId,
        repository_ids: [repositoryId],
        permissions,
      });
      return { token: data.token, expiresAt: Date.parse(data.expires_at) };
    } catch (err) {
      throw unavailable('minting the installation token', err);
    }
  }

  async revokeToken(token: string): Promise<void> {
    const kit = new Octokit({ auth: token, baseUrl: this.#baseUrl, request: { retries: 0 } });
    try {
      await this.#counted('DELETE /installation/token', kit).request('DELETE /installation/token');
    } catch (err) {
      if (statusOf(err) === 401) return; // already revoked or expired: nothing left to revoke
      throw unavailable('revoking an installation token', err);
    }
  }

  async ping(): Promise<void> {
    const kit = await this.#app.auth();
    try {
      await this.#counted('GET /app', kit).request('GET /app');
    } catch (err) {
      throw unavailable('checking the app', err);
    }
  }
}
