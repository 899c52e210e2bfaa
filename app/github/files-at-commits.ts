import { call } from './errors.ts';
import type { Kit } from './installations.ts';
import { contentsOf } from './policy-loading.ts';

/** Workflow files kept after reading them at a commit, and the largest kept (characters). */
const FILES_AT_COMMITS = 256;
const FILE_AT_COMMIT_MAX_CHARS = 256 * 1024;

/**
 * Files read at a commit: a file at a commit never changes, so the steps of one run (a matrix) read
 * their workflow once. The oldest goes first past `FILES_AT_COMMITS`.
 */
export class FilesAtCommits {
  readonly #kept = new Map<string, string>();

  async read(kit: Kit, installationId: number, owner: string, repo: string, path: string, ref: string) {
    const pinned = /^[0-9a-f]{40}$/.test(ref)
      ? `${installationId}:${owner}/${repo}:${ref}:${path}`
      : undefined;
    const known = pinned === undefined ? undefined : this.#kept.get(pinned);
    if (known !== undefined) return known;
    return call(`reading ${path} of ${owner}/${repo} at ${ref}`, async () => {
      const found = await contentsOf(kit).get(owner, repo, path, ref, undefined);
      if (found === null || found.status !== 200) return null;
      const data = found.data as { type?: string; content?: string; encoding?: string };
      if (data.type !== 'file' || data.encoding !== 'base64' || data.content === undefined) return null;
      const text = Buffer.from(data.content, 'base64').toString('utf8');
      if (pinned !== undefined && text.length <= FILE_AT_COMMIT_MAX_CHARS) {
        if (this.#kept.size >= FILES_AT_COMMITS) this.#kept.delete(this.#kept.keys().next().value!);
        this.#kept.set(pinned, text);
      }
      return text;
    });
  }
}
