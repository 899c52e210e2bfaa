// GET /repos/{owner}/{repo}/contents/{path}: files and directories at a ref, with ETags.
import { createHash } from 'node:crypto';
import { blobSha } from './resources.ts';
import { fail, type Reply, type Route, type RouteContext } from './route-kit.ts';
import type { SimRepo } from './world.ts';

/** The commit a `ref` names: a branch, `refs/heads/<branch>`, or a commit SHA. */
export function resolveRef(repo: SimRepo, ref: string | null): string | undefined {
  const name = ref ?? repo.defaultBranch;
  const branch = repo.branches.get(name.replace(/^refs\/heads\//, ''));
  if (branch) return branch;
  return repo.commits.has(name) ? name : undefined;
}

/** Base64 in lines of 60 characters, as GitHub sends file contents. */
const base64Lines = (text: string): string =>
  (
    Buffer.from(text)
      .toString('base64')
      .match(/.{1,60}/g) ?? ['']
  ).join('\n') + '\n';

function entry(
  ctx: RouteContext,
  ref: string,
  path: string,
  type: 'file' | 'dir',
  content: string,
): Record<string, unknown> {
  const full = `${ctx.repo.owner}/${ctx.repo.name}`;
  const url = `${ctx.baseUrl}/repos/${full}/contents/${path}?ref=${ref}`;
  const sha =
    type === 'file' ? blobSha(content) : createHash('sha1').update(`tree:${path}:${content}`).digest('hex');
  const gitUrl = `${ctx.baseUrl}/repos/${full}/git/${type === 'file' ? 'blobs' : 'trees'}/${sha}`;
  const htmlUrl = `https://github.com/${full}/${type === 'file' ? 'blob' : 'tree'}/${ref}/${path}`;
  return {
    type,
    size: type === 'file' ? Buffer.byteLength(content) : 0,
    name: path.split('/').pop(),
    path,
    sha,
    url,
    git_url: gitUrl,
    html_url: htmlUrl,
    download_url: type === 'file' ? `https://raw.githubusercontent.com/${full}/${ref}/${path}` : null,
    _links: { self: url, git: gitUrl, html: htmlUrl },
  };
}

function getContent(ctx: RouteContext): Reply {
  const ref = ctx.query.get('ref');
  const commit = resolveRef(ctx.repo, ref);
  if (!commit) return fail(404, `No commit found for the ref ${ref}`);
  const files = ctx.repo.commits.get(commit)!;
  const path = ctx.params.path!.replace(/\/+$/, '');
  const file = files.get(path);
  let body: unknown;
  if (file !== undefined) {
    body = ctx.synth.build('content-file', {
      ...entry(ctx, ref ?? ctx.repo.defaultBranch, path, 'file', file),
      encoding: 'base64',
      content: base64Lines(file),
    });
  } else {
    const prefix = path === '' ? '' : `${path}/`;
    const children = new Map<string, 'file' | 'dir'>();
    for (const p of files.keys()) {
      if (!p.startsWith(prefix)) continue;
      const rest = p.slice(prefix.length);
      const slash = rest.indexOf('/');
      children.set(slash === -1 ? rest : rest.slice(0, slash), slash === -1 ? 'file' : 'dir');
    }
    if (children.size === 0) return fail(404, 'Not Found');
    body = [...children].sort().map(([name, type]) => {
      const p = `${prefix}${name}`;
      return entry(ctx, ref ?? ctx.repo.defaultBranch, p, type, type === 'file' ? files.get(p)! : commit);
    });
  }
  const etag = `"${createHash('sha256').update(JSON.stringify(body)).digest('hex')}"`;
  if (ctx.headers['if-none-match'] === etag) return { status: 304, headers: { etag } };
  return { status: 200, body, headers: { etag } };
}

export const contentRoutes = {
  'repos/get-content': { auth: { permission: 'contents', level: 'read', scope: 'repo' }, handle: getContent },
} satisfies Record<string, Route>;
