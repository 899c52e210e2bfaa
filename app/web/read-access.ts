import type { GitHubPort } from '../github/port.ts';
import type { StoredRequest } from '../store/types.ts';

/** How long an answer about who may read a repository is reused. */
const KEEP_MS = 60_000;
const MAX_KEPT = 10_000;

/**
 * Whether a user may read a request's repository, asked of GitHub as the app's installation and
 * remembered for a minute per user and repository. A request of a repository the user cannot read
 * is never listed or shown to them.
 */
export class ReadAccess {
  readonly #github: GitHubPort;
  readonly #now: () => number;
  readonly #kept = new Map<string, { ok: boolean; at: number }>();

  constructor(github: GitHubPort, now: () => number) {
    this.#github = github;
    this.#now = now;
  }

  async canRead(login: string, r: StoredRequest): Promise<boolean> {
    const key = `${login.toLowerCase()} ${r.claims.repository.toLowerCase()}`;
    const kept = this.#kept.get(key);
    if (kept && this.#now() - kept.at < KEEP_MS) return kept.ok;
    const [owner, repo] = r.claims.repository.split('/') as [string, string];
    const ok = await this.#github.canRead(r.installationId, owner, repo, login);
    this.#kept.delete(key);
    this.#kept.set(key, { ok, at: this.#now() });
    if (this.#kept.size > MAX_KEPT) this.#kept.delete(this.#kept.keys().next().value!);
    return ok;
  }
}
