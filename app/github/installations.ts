import type { Probot } from 'probot';
import { AppError } from '../errors.ts';
import type { Metrics } from '../metrics.ts';
import { countCalls } from './count-calls.ts';
import { call, statusOf, unavailable } from './errors.ts';

/** An authenticated Octokit client of Probot's: as an installation, or as the app. */
export type Kit = Awaited<ReturnType<Probot['auth']>>;

/** Repositories remembered as without the app, at most (the oldest are forgotten first). */
const NOT_INSTALLED_MAX = 10_000;
/** An installation's permissions are read again after this long (an owner may grant more). */
const PERMISSIONS_FRESH_MS = 5 * 60_000;

/**
 * The app's installations and their clients, with what is cached about them: which installation
 * holds a repository, repositories found without the app (for a while), and repository ids. Every
 * client's calls are counted (`jit_github_api_calls_total`).
 */
export class Installations {
  readonly #app: Probot;
  readonly #metrics: Metrics;
  readonly #now: () => number;
  readonly #notInstalledCacheMs: number;
  readonly #kits = new Map<number, Promise<Kit>>();
  readonly #installations = new Map<string, number>();
  /** Repositories found without the app, until when (ms): a stranger's retries cost no lookup. */
  readonly #notInstalled = new Map<string, number>();
  readonly #repositoryIds = new Map<string, number>();
  /** Each installation's permissions as GitHub last gave them, and when. */
  readonly #permissions = new Map<number, { at: number; held: Record<string, string> }>();

  constructor(app: Probot, metrics: Metrics, o: { now: () => number; notInstalledCacheMs: number }) {
    this.#app = app;
    this.#metrics = metrics;
    this.#now = o.now;
    this.#notInstalledCacheMs = o.notInstalledCacheMs;
  }

  /**
   * One client per installation, made once: Probot's `auth(id)` builds a new Octokit with all its
   * plugins on every call, which cost more CPU than the rest of a request. Its auth hook keeps the
   * installation token fresh (cached for 59 minutes, then minted again).
   */
  kit(installationId: number): Promise<Kit> {
    let kit = this.#kits.get(installationId);
    if (!kit) {
      kit = this.#app.auth(installationId).then((k) => countCalls(k, this.#metrics));
      this.#kits.set(installationId, kit);
      kit.catch(() => this.#kits.delete(installationId));
    }
    return kit;
  }

  /** A client authenticated as the app itself (its JWT). */
  async asApp(): Promise<Kit> {
    return countCalls(await this.#app.auth(), this.#metrics);
  }

  async installationFor(owner: string, repo: string): Promise<number> {
    const key = `${owner}/${repo}`.toLowerCase();
    const known = this.#installations.get(key);
    if (known) return known;
    const until = this.#notInstalled.get(key);
    if (until !== undefined) {
      if (this.#now() < until) throw notInstalled(owner, repo);
      this.#notInstalled.delete(key);
    }
    try {
      const kit = await this.asApp();
      const { data } = await kit.request('GET /repos/{owner}/{repo}/installation', { owner, repo });
      this.#installations.set(key, data.id);
      this.#permissions.set(data.id, {
        at: this.#now(),
        held: { ...data.permissions } as Record<string, string>,
      });
      return data.id;
    } catch (err) {
      if (statusOf(err) !== 404) throw unavailable(`finding the installation of ${owner}/${repo}`, err);
      this.#rememberNotInstalled(key);
      throw notInstalled(owner, repo, err);
    }
  }

  /**
   * The permissions the app's installation on `owner/repo` holds (what a token it mints can carry),
   * read with the installation (`GET /repos/{owner}/{repo}/installation`) and again after 5 minutes.
   */
  async permissions(owner: string, repo: string): Promise<Record<string, string>> {
    const id = await this.installationFor(owner, repo);
    const known = this.#permissions.get(id);
    if (known && this.#now() - known.at < PERMISSIONS_FRESH_MS) return known.held;
    this.#installations.delete(`${owner}/${repo}`.toLowerCase());
    await this.installationFor(owner, repo);
    return this.#permissions.get(id)?.held ?? {};
  }

  /** The repository's id, as GitHub has it now (`fresh`) or as last read. */
  async repositoryId(installationId: number, owner: string, repo: string, { fresh = false } = {}) {
    const key = `${owner}/${repo}`.toLowerCase();
    const known = fresh ? undefined : this.#repositoryIds.get(key);
    if (known !== undefined) return known;
    const kit = await this.kit(installationId);
    const id = await call(
      `reading ${owner}/${repo}`,
      async () => Number((await kit.request('GET /repos/{owner}/{repo}', { owner, repo })).data.id),
      () => {
        throw new AppError('forbidden', `the app cannot read ${owner}/${repo}; check its installation`);
      },
    );
    this.#repositoryIds.set(key, id);
    return id;
  }

  /**
   * The app's installations (`GET /app/installations`, as the app), at most `maxPages` pages of
   * 100; `more` says whether there were more than were read.
   */
  async list(
    maxPages = 10,
  ): Promise<{ installations: { id: number; account: { login: string; id: number } }[]; more: boolean }> {
    const kit = await this.asApp();
    const installations: { id: number; account: { login: string; id: number } }[] = [];
    return call("listing the app's installations", async () => {
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
      return { installations, more: true };
    });
  }

  /** Remembers a "not installed" answer for a while; the oldest goes first when too many are held. */
  #rememberNotInstalled(key: string): void {
    if (this.#notInstalledCacheMs === 0) return;
    this.#notInstalled.delete(key);
    if (this.#notInstalled.size >= NOT_INSTALLED_MAX)
      this.#notInstalled.delete(this.#notInstalled.keys().next().value!);
    this.#notInstalled.set(key, this.#now() + this.#notInstalledCacheMs);
  }
}

const notInstalled = (owner: string, repo: string, cause?: unknown): AppError =>
  new AppError(
    'forbidden',
    `the app is not installed on ${owner}/${repo}; install it on the repository first`,
    {
      cause,
    },
  );
