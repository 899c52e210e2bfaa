import type { Thread } from '../../domain/thread.ts';
import { call } from '../errors.ts';
import type { Kit } from '../installations.ts';

type Repo = { owner: string; repo: string };
/** Comments looked through at most when finding one (newest first: what a try made moments ago). */
const PAGES = 3;

export async function postComment(
  kit: Kit,
  at: Repo,
  on: Thread,
  body: string,
  lane?: 'low',
): Promise<number> {
  const request = lane ? { lane } : {};
  return call('commenting on the request', async () => {
    const { data } =
      on.kind === 'pull'
        ? await kit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
            ...at,
            issue_number: on.number,
            body,
            request,
          })
        : await kit.request('POST /repos/{owner}/{repo}/commits/{commit_sha}/comments', {
            ...at,
            commit_sha: on.sha,
            body,
            request,
          });
    return Number(data.id);
  });
}

export async function editComment(kit: Kit, at: Repo, on: Thread, id: number, body: string): Promise<void> {
  const route =
    on.kind === 'pull'
      ? 'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}'
      : 'PATCH /repos/{owner}/{repo}/comments/{comment_id}';
  await call('updating the comment on the request', async () => {
    await kit.request(route, { ...at, comment_id: id, body });
  });
}

export async function react(kit: Kit, at: Repo, on: Thread, id: number, content: string): Promise<void> {
  const route =
    on.kind === 'pull'
      ? 'POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions'
      : 'POST /repos/{owner}/{repo}/comments/{comment_id}/reactions';
  await call('reacting to a comment', async () => {
    await kit.request(route, { ...at, comment_id: id, content: content as '+1' });
  });
}

/**
 * The app's comment in thread `on` whose text ends with `ending` (a request's marker, or the whole
 * text of an answer), among the newest few hundred: what a try whose outcome is unknown may have
 * posted. Comments by anyone but a bot are passed over (a person quoting the marker is not the app).
 */
export async function findComment(kit: Kit, at: Repo, on: Thread, ending: string): Promise<number | null> {
  return call(
    'looking for the comment on the request',
    async () => {
      for (let page = 1; page <= PAGES; page++) {
        type Listed = { id: number | bigint; body?: string | null; user?: { type?: string } | null }[];
        const data: Listed =
          on.kind === 'pull'
            ? (
                await kit.request('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', {
                  ...at,
                  issue_number: on.number,
                  per_page: 100,
                  page,
                })
              ).data
            : (
                await kit.request('GET /repos/{owner}/{repo}/commits/{commit_sha}/comments', {
                  ...at,
                  commit_sha: on.sha,
                  per_page: 100,
                  page,
                })
              ).data;
        const found = data.find(
          (c) => c.user?.type === 'Bot' && (c.body ?? '').trimEnd().endsWith(ending.trimEnd()),
        );
        if (found) return Number(found.id);
        if (data.length < 100) return null;
      }
      return null;
    },
    () => null,
  );
}

export async function openIssue(
  kit: Kit,
  at: Repo,
  issue: { title: string; body: string; assignees: string[]; labels?: string[] },
): Promise<number> {
  return call('opening an issue for the request', async () =>
    Number((await kit.request('POST /repos/{owner}/{repo}/issues', { ...at, ...issue })).data.number),
  );
}

export async function updateIssue(
  kit: Kit,
  at: Repo,
  number: number,
  change: { body?: string; state?: 'open' | 'closed' },
): Promise<void> {
  await call('updating the issue of the request', () =>
    kit.request('PATCH /repos/{owner}/{repo}/issues/{issue_number}', {
      ...at,
      issue_number: number,
      ...change,
    }),
  );
}

/** The app's newest issue whose body ends with `ending`: what a try whose outcome is unknown may have opened. */
export async function findIssue(kit: Kit, at: Repo, ending: string): Promise<number | null> {
  return call(
    'looking for the issue of the request',
    async () => {
      for (let page = 1; page <= PAGES; page++) {
        const { data } = await kit.request('GET /repos/{owner}/{repo}/issues', {
          ...at,
          state: 'all',
          sort: 'created',
          direction: 'desc',
          per_page: 100,
          page,
        });
        const found = data.find(
          (i) => i.user?.type === 'Bot' && (i.body ?? '').trimEnd().endsWith(ending.trimEnd()),
        );
        if (found) return Number(found.number);
        if (data.length < 100) return null;
      }
      return null;
    },
    () => null,
  );
}
