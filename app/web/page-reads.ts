import { randomBytes } from 'node:crypto';
import type { StoredRequest } from '../domain/request.ts';
import type { Logger } from '../logging/logger.ts';
import type { ApprovalService } from '../service/approval-service.ts';
import type { Store } from '../store/types.ts';
import type { CurrentUsers } from './current-user.ts';
import type { GitHubUser } from './github-user.ts';
import { deciders, type DecisionFilter, type Waiting } from './pages/lists.ts';
import type { RequestPageData } from './pages/request-page.ts';
import type { ReadAccess } from './read-access.ts';
import type { Session } from './sessions.ts';

const RECENT = 100;

export interface PageReadsDeps {
  store: Store;
  service: Pick<ApprovalService, 'whyCannotDecide'>;
  users: CurrentUsers;
  access: ReadAccess;
  log: Logger;
  now: () => number;
  /** GitHub's web host, for links to runs. */
  serverUrl: string;
}

/** What the recent decisions page lists, and the filter it was asked with. */
export interface DecisionList {
  rows: { request: StoredRequest; deciders: string }[];
  filter: DecisionFilter;
  repositories: string[];
}

/**
 * What the approval pages show a signed-in account: only requests of repositories it may read, as
 * GitHub says now. A request GitHub cannot answer about is left out of a list, never failing it.
 */
export class PageReads {
  readonly #d: PageReadsDeps;

  constructor(d: PageReadsDeps) {
    this.#d = d;
  }

  /**
   * Whether the account may read the request's repository, asked with the login the account holds
   * now (`fresh`: asked of GitHub now, as a vote is): the user so named, or undefined.
   */
  async reader(session: Session, r: StoredRequest, fresh = false): Promise<GitHubUser | undefined> {
    const user = await this.#d.users.of(session.user, r.installationId, fresh);
    return user && (await this.#d.access.canRead(user.login, r)) ? user : undefined;
  }

  /** The request, if it exists and the user may read its repository; else undefined (a 404 either way). */
  async readable(
    session: Session,
    id: string,
    fresh = false,
  ): Promise<{ r: StoredRequest; user: GitHubUser } | undefined> {
    const r = await this.#d.store.getRequest(id);
    const user = r && (await this.reader(session, r, fresh));
    return r && user ? { r, user } : undefined;
  }

  /** What a request's page shows `user`; `known`: why they cannot decide, when the caller knows. */
  async view(
    session: Session,
    user: GitHubUser,
    r: StoredRequest,
    notice?: RequestPageData['notice'],
    known?: string,
  ): Promise<RequestPageData> {
    const { store, service, serverUrl, now } = this.#d;
    const votes = await store.votes(r.id);
    return {
      request: r,
      votes,
      timeline: await store.auditOf(r.id),
      cannotDecide:
        known ??
        (votes.some((v) => v.voterId === session.user.id)
          ? 'you have voted on it already'
          : await service.whyCannotDecide(r, user)),
      nonce: randomBytes(16).toString('hex'),
      ...(notice && { notice }),
      serverUrl,
      now: now(),
    };
  }

  /** "Waiting for you": pending requests the account has not voted on and may decide, newest first. */
  async waiting(session: Session): Promise<Waiting[]> {
    const { store, service } = this.#d;
    const found: Waiting[] = [];
    const listed = this.#lister();
    for (const r of await store.pendingRequests()) {
      const votes = await store.votes(r.id);
      if (votes.some((v) => v.voterId === session.user.id)) continue;
      const mayDecide = async () => {
        const user = await this.reader(session, r);
        return user !== undefined && (await service.whyCannotDecide(r, user)) === undefined;
      };
      if (await listed(r, mayDecide)) found.push({ request: r, votes });
    }
    return found.sort((a, b) => b.request.createdAt - a.request.createdAt);
  }

  /** Recent decisions the account may read, filtered by the page's query (`url`). */
  async decisions(session: Session, url: URL): Promise<DecisionList> {
    const filter = {
      repository: url.searchParams.get('repository') ?? '',
      outcome: url.searchParams.get('outcome') ?? '',
      action: (url.searchParams.get('action') ?? '').trim(),
    };
    const seen: StoredRequest[] = [];
    const listed = this.#lister();
    for (const r of await this.#d.store.decidedRequests(1000))
      if (await listed(r, async () => (await this.reader(session, r)) !== undefined)) seen.push(r);
    const rows = seen
      .filter(
        (r) =>
          (!filter.repository || r.claims.repository === filter.repository) &&
          (!filter.outcome || r.status === filter.outcome) &&
          (!filter.action || r.action.toLowerCase().includes(filter.action.toLowerCase())),
      )
      .slice(0, RECENT)
      .map((r) => ({ request: r, deciders: deciders(r) }));
    const repositories = [...new Set(seen.map((r) => r.claims.repository))].sort();
    return { rows, filter, repositories };
  }

  /**
   * For one list: whether a request belongs in it (`test`), where a request GitHub cannot answer
   * about now (failing, or its installation uninstalled or suspended) is left out rather than
   * failing the page for everyone, and its repository is not asked about again in this list.
   */
  #lister() {
    const failed = new Set<string>();
    return async (r: StoredRequest, test: () => Promise<boolean>): Promise<boolean> => {
      const key = `${r.installationId} ${r.claims.repository.toLowerCase()}`;
      if (failed.has(key)) return false;
      try {
        return await test();
      } catch (err) {
        failed.add(key);
        this.#d.log.warn(
          { err, request: r.id },
          'left a request out of a list: GitHub could not say who may see it',
        );
        return false;
      }
    };
  }
}
