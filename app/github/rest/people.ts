import { call } from '../errors.ts';
import type { Kit } from '../installations.ts';

type Repo = { owner: string; repo: string };

/**
 * May `login` read the repository? Anyone may read a public one; otherwise GitHub's permission for
 * the user must be at least read. A user GitHub does not know reads nothing.
 */
export async function canRead(kit: Kit, at: Repo, login: string): Promise<boolean> {
  return call(
    `checking whether ${login} may read ${at.owner}/${at.repo}`,
    async () => {
      const { data } = await kit.request('GET /repos/{owner}/{repo}', at);
      if (data.visibility === 'public' || data.private === false) return true;
      const { data: level } = await kit.request(
        'GET /repos/{owner}/{repo}/collaborators/{username}/permission',
        {
          ...at,
          username: login,
        },
      );
      return level.permission !== 'none';
    },
    () => false,
  );
}

/**
 * May `login` write to the repository (GitHub's permission write, maintain or admin)? Only such a
 * reviewer's approval counts, as in GitHub's branch protection. A user GitHub does not know may not.
 */
export async function canWrite(kit: Kit, at: Repo, login: string): Promise<boolean> {
  return call(
    `checking whether ${login} may write to ${at.owner}/${at.repo}`,
    async () => {
      const { data } = await kit.request('GET /repos/{owner}/{repo}/collaborators/{username}/permission', {
        ...at,
        username: login,
      });
      return data.permission === 'admin' || data.permission === 'write';
    },
    () => false,
  );
}

export async function userId(kit: Kit, login: string): Promise<number | null> {
  return call(
    `reading the account of ${login}`,
    async () => Number((await kit.request('GET /users/{username}', { username: login })).data.id),
    () => null,
  );
}

export async function loginOf(kit: Kit, id: number): Promise<string | null> {
  return call(
    `reading the login of account ${id}`,
    async () => String((await kit.request('GET /user/{account_id}', { account_id: id })).data.login),
    () => null,
  );
}

export async function isActiveMember(kit: Kit, team: string, login: string): Promise<boolean> {
  const [org, slug] = team.split('/') as [string, string];
  return call(
    `checking ${login}'s membership of ${team}`,
    async () =>
      (
        await kit.request('GET /orgs/{org}/teams/{team_slug}/memberships/{username}', {
          org,
          team_slug: slug,
          username: login,
        })
      ).data.state === 'active',
    () => false,
  );
}
