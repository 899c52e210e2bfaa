import {
  loadPolicies,
  MAX_POLICY_BYTES,
  MAX_POLICY_FILES,
  tooLarge,
  tooManyFiles,
  type LoadResult,
} from '../policy/load.ts';
import type { SourceFile } from '../policy/parse-file.ts';
import { START, policyError } from '../policy/errors.ts';

export const POLICY_DIR = '.approvals';
/** Policy files kept by their blob sha (a blob never changes): at most this many bytes in all. */
const BLOB_CACHE_BYTES = 16 * 1024 * 1024;

/** Just the calls the loader makes; conditional requests answer `{ status: 304 }`. */
export interface ContentsClient {
  defaultBranch(owner: string, repo: string): Promise<string>;
  /** A directory listing or file at `ref`, with If-None-Match; `null` for 404. */
  get(
    owner: string,
    repo: string,
    path: string,
    ref: string,
    etag: string | undefined,
  ): Promise<{ status: 304 } | { status: 200; etag: string | undefined; data: unknown } | null>;
}

interface Cached {
  /** When GitHub last confirmed these (epoch ms). */
  checkedAt?: number;
  branch: string;
  dirEtag: string | undefined;
  files: Map<string, { etag: string | undefined; content: Uint8Array }>;
  /** The directory's policy files as `path sha` lines, sorted: what two commits compare by. */
  listing: string;
  result: LoadResult;
}

type Entry = { type: string; name: string; path: string; sha?: string; size?: number };

/** Files by blob sha, the least recently used going first past `BLOB_CACHE_BYTES`. */
class Blobs {
  readonly #kept = new Map<string, Uint8Array>();
  #bytes = 0;

  get(sha: string | undefined): Uint8Array | undefined {
    const found = sha === undefined ? undefined : this.#kept.get(sha);
    if (found) {
      this.#kept.delete(sha!);
      this.#kept.set(sha!, found);
    }
    return found;
  }

  set(sha: string | undefined, content: Uint8Array): void {
    if (sha === undefined || this.#kept.has(sha) || content.byteLength > BLOB_CACHE_BYTES) return;
    this.#kept.set(sha, content);
    this.#bytes += content.byteLength;
    for (const [old, bytes] of this.#kept) {
      if (this.#bytes <= BLOB_CACHE_BYTES) break;
      this.#kept.delete(old);
      this.#bytes -= bytes.byteLength;
    }
  }
}

/**
 * Loads `.approvals/*.yml` from the default branch, never from the commit under review. Caches per
 * repository and revalidates with conditional requests (a 304 costs no rate limit).
 */
export class PolicySource {
  readonly #cache = new Map<string, Cached>();
  readonly #blobs = new Blobs();
  /**
   * How long a set GitHub confirmed is used without asking again (ms; 0: revalidate every time).
   * A push to the default branch that changes `.approvals/` drops it at once; this bounds how stale
   * it can be when a push event is lost.
   */
  readonly #maxAgeMs: number;
  readonly #now: () => number;

  constructor({ maxAgeMs = 0, now = Date.now }: { maxAgeMs?: number; now?: () => number } = {}) {
    this.#maxAgeMs = maxAgeMs;
    this.#now = now;
  }
  /**
   * Revalidations under way, by repository. Requests that arrive while one is in flight share it
   * instead of asking GitHub again: their policies are as fresh as a read that began at most one
   * round trip before them (a burst of 50 jobs costs one conditional read, not 50).
   */
  readonly #inFlight = new Map<string, { token: object; result: Promise<LoadResult> }>();

  invalidate(owner: string, repo: string): void {
    const key = `${owner}/${repo}`.toLowerCase();
    this.#cache.delete(key);
    this.#inFlight.delete(key); // a read begun before the push must not answer for after it
  }

  /**
   * `.approvals/` at a commit (the policy check). Files already read at any commit are not read
   * again (by blob sha). With `unlessAsOnDefault`, null when the commit's policy files are exactly
   * the default branch's (a pull request that changes none of them): nothing more is read.
   */
  async loadAt(
    client: ContentsClient,
    owner: string,
    repo: string,
    ref: string,
    opts: { unlessAsOnDefault?: boolean } = {},
  ): Promise<LoadResult | null> {
    const fetched = await this.#fetch(client, owner, repo, ref, undefined, async (listing) => {
      if (!opts.unlessAsOnDefault) return false;
      await this.load(client, owner, repo);
      return this.#cache.get(`${owner}/${repo}`.toLowerCase())?.listing === listing;
    });
    return fetched === null ? null : fetched.result;
  }

  load(client: ContentsClient, owner: string, repo: string): Promise<LoadResult> {
    const key = `${owner}/${repo}`.toLowerCase();
    const shared = this.#inFlight.get(key);
    if (shared) return shared.result;
    const fresh = this.#cache.get(key);
    if (fresh?.checkedAt !== undefined && this.#now() - fresh.checkedAt < this.#maxAgeMs)
      return Promise.resolve(fresh.result);
    const token = {};
    const mine = (): boolean => this.#inFlight.get(key)?.token === token;
    const result = (async () => {
      try {
        const cached = this.#cache.get(key);
        const branch = cached?.branch ?? (await client.defaultBranch(owner, repo));
        const checkedAt = this.#now();
        const fetched = (await this.#fetch(client, owner, repo, branch, cached))!;
        if (mine()) this.#cache.set(key, { ...fetched, branch, checkedAt });
        return fetched.result;
      } finally {
        if (mine()) this.#inFlight.delete(key);
      }
    })();
    this.#inFlight.set(key, { token, result });
    return result;
  }

  async #fetch(
    client: ContentsClient,
    owner: string,
    repo: string,
    branch: string,
    cached: Cached | undefined,
    /** Whether to stop at the listing (then null), given it. */
    stop?: (listing: string) => Promise<boolean>,
  ): Promise<Omit<Cached, 'branch'> | null> {
    const dir = await client.get(owner, repo, POLICY_DIR, branch, cached?.dirEtag);
    if (dir?.status === 304 && cached) return cached;
    if (!dir || dir.status === 304 || !Array.isArray(dir.data)) {
      const error = policyError(
        POLICY_DIR,
        START,
        'no_policies',
        `no ${POLICY_DIR}/ directory at ${branch} in ${owner}/${repo}`,
        `commit policy files to ${POLICY_DIR}/ on ${branch}`,
      );
      const listing = '';
      if (stop && (await stop(listing))) return null;
      return {
        dirEtag: undefined,
        files: new Map(),
        listing,
        result: { ok: false, errors: [error], files: [] },
      };
    }
    const entries = (dir.data as Entry[]).filter((e) => e.type === 'file' && /\.ya?ml$/.test(e.name));
    const listing = entries
      .map((e) => `${e.path} ${e.sha ?? ''}`)
      .sort()
      .join('\n');
    if (stop && (await stop(listing))) return null;
    // What the listing says the files hold decides, before any is read.
    const bytes = entries.reduce((sum, e) => sum + (e.size ?? 0), 0);
    if (entries.length > MAX_POLICY_FILES || bytes > MAX_POLICY_BYTES) {
      const where = `${POLICY_DIR}/ at ${branch}`;
      const error =
        entries.length > MAX_POLICY_FILES ? tooManyFiles(where, entries.length) : tooLarge(where, bytes);
      return {
        dirEtag: dir.etag,
        files: new Map(),
        listing,
        result: { ok: false, errors: [error], files: [] },
      };
    }
    const files = new Map<string, { etag: string | undefined; content: Uint8Array }>();
    const sources: SourceFile[] = [];
    for (const e of entries) {
      const previous = cached?.files.get(e.path);
      let content = this.#blobs.get(e.sha);
      let etag = previous?.etag;
      if (!content) {
        const res = await client.get(owner, repo, e.path, branch, previous?.etag);
        if (res?.status === 304 && previous) content = previous.content;
        else if (res && res.status === 200) {
          content = Buffer.from(String((res.data as { content: string }).content), 'base64');
          etag = res.etag;
        } else continue;
        this.#blobs.set(e.sha, content);
      }
      files.set(e.path, { etag, content });
      sources.push({ path: e.path, content });
    }
    const result = loadPolicies(sources, POLICY_DIR);
    return { dirEtag: dir.etag, files, listing, result };
  }
}
