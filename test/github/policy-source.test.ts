// Reading .approvals/ from the default branch: cached, revalidated with conditional reads, and
// shared between requests that arrive while a read is under way.
import { describe, expect, it } from 'vitest';
import { PolicySource, type ContentsClient } from '../../app/github/policy-source.ts';

const POLICY = `version: 1
policies:
  - name: deploy
    match: { action: ["deploy-*"] }
    approvers: { users: [alice] }
`;

/** A repository's contents API over a map of files, answering 304 to a matching ETag. */
function contents(files: Map<string, string>) {
  const reads: string[] = [];
  let gate: Promise<void> = Promise.resolve();
  const etag = (text: string): string => `"${Buffer.from(text).toString('base64').slice(-12)}"`;
  const client: ContentsClient = {
    defaultBranch: async () => 'main',
    get: async (_o, _r, path, _ref, ifNoneMatch) => {
      reads.push(path);
      await gate;
      if (path === '.approvals') {
        const listing = [...files.keys()].map((p) => ({ type: 'file', name: p.split('/')[1], path: p }));
        const tag = etag(JSON.stringify([...files]));
        return tag === ifNoneMatch ? { status: 304 } : { status: 200, etag: tag, data: listing };
      }
      const text = files.get(path);
      if (text === undefined) return null;
      return etag(text) === ifNoneMatch
        ? { status: 304 }
        : { status: 200, etag: etag(text), data: { content: Buffer.from(text).toString('base64') } };
    },
  };
  return {
    client,
    reads,
    hold(): () => void {
      let open!: () => void;
      gate = new Promise((r) => (open = r));
      return open;
    },
  };
}

describe('PolicySource', () => {
  it('revalidates with one conditional read once cached', async () => {
    const repo = contents(new Map([['.approvals/p.yml', POLICY]]));
    const source = new PolicySource();
    expect((await source.load(repo.client, 'acme', 'shop')).ok).toBe(true);
    expect(repo.reads).toEqual(['.approvals', '.approvals/p.yml']);
    await source.load(repo.client, 'acme', 'shop');
    expect(repo.reads).toEqual(['.approvals', '.approvals/p.yml', '.approvals']);
  });

  it('requests arriving while a read is under way share it', async () => {
    const repo = contents(new Map([['.approvals/p.yml', POLICY]]));
    const source = new PolicySource();
    await source.load(repo.client, 'acme', 'shop');
    repo.reads.length = 0;
    const open = repo.hold();
    const loads = Array.from({ length: 20 }, () => source.load(repo.client, 'acme', 'shop'));
    open();
    const results = await Promise.all(loads);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(repo.reads).toEqual(['.approvals']);
  });

  it('a push to the default branch while a read is under way: later requests read again', async () => {
    const files = new Map([['.approvals/p.yml', POLICY]]);
    const repo = contents(files);
    const source = new PolicySource();
    await source.load(repo.client, 'acme', 'shop');
    repo.reads.length = 0;
    const open = repo.hold();
    const before = source.load(repo.client, 'acme', 'shop'); // began before the push
    files.set('.approvals/p.yml', 'version: 1\npolicies: [{ name: broken }]\n');
    source.invalidate('acme', 'shop');
    const after = source.load(repo.client, 'acme', 'shop');
    open();
    await before;
    expect((await after).ok).toBe(false); // its own read, of the pushed (invalid) file
    expect(repo.reads.filter((p) => p === '.approvals')).toHaveLength(2);
    expect((await source.load(repo.client, 'acme', 'shop')).ok).toBe(false); // and cached it
  });
});
