import { RecentAnswers } from '../github/recent-answers.ts';
import type { GitHubPort } from '../github/port.ts';
import type { StoredRequest } from '../domain/request.ts';

/** How long an answer about who may read a repository is reused. */
const KEEP_MS = 60_000;
const MAX_KEPT = 10_000;

/**
 * Whether a user may read a request's repository, asked of GitHub as the app's installation and
 * remembered for a minute per user and repository (pages loaded at once share one question). A
 * request of a repository the user cannot read is never listed or shown to them.
 */
export class ReadAccess {
  readonly #github: GitHubPort;
  readonly #kept: RecentAnswers<boolean>;

  constructor(github: GitHubPort, now: () => number) {
    this.#github = github;
    this.#kept = new RecentAnswers({ maxAgeMs: KEEP_MS, maxKept: MAX_KEPT, now });
  }

  canRead(login: string, r: StoredRequest): Promise<boolean> {
    const key = `${login.toLowerCase()} ${r.claims.repository.toLowerCase()}`;
    const [owner, repo] = r.claims.repository.split('/') as [string, string];
    return this.#kept.get(key, () => this.#github.canRead(r.installationId, owner, repo, login));
  }
}
