import { RecentAnswers } from '../github/recent-answers.ts';
import type { GitHubPort } from '../github/port.ts';
import type { GitHubUser } from './github-user.ts';

/** How long the login an account holds is reused for what a page shows. */
const KEEP_MS = 60_000;
const MAX_KEPT = 10_000;

/**
 * The signed-in user as GitHub knows the account now. A session remembers the account id and the
 * login it had at sign-in; a login can be given up by a rename and taken by another account, so
 * what a page shows is read with the login the account holds now (reused for a minute), and a vote
 * with the login GitHub names at that moment.
 */
export class CurrentUsers {
  readonly #github: GitHubPort;
  readonly #kept: RecentAnswers<string | null>;

  constructor(github: GitHubPort, now: () => number) {
    this.#github = github;
    this.#kept = new RecentAnswers({ maxAgeMs: KEEP_MS, maxKept: MAX_KEPT, now });
  }

  /** The user with the login the account holds now; undefined when GitHub knows no such account. */
  async of(user: GitHubUser, installationId: number, fresh = false): Promise<GitHubUser | undefined> {
    const login = await this.#kept.get(
      String(user.id),
      () => this.#github.loginOf(installationId, user.id),
      fresh,
    );
    return login === null ? undefined : { id: user.id, login };
  }
}
