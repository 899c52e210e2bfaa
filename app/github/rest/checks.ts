import type { Kit } from '../installations.ts';
import { call } from '../errors.ts';
import type { CheckRunInput } from '../port.ts';

type Repo = { owner: string; repo: string };

export async function createCheckRun(
  kit: Kit,
  at: Repo,
  headSha: string,
  input: CheckRunInput,
  now: () => number,
) {
  return call('creating the approval check run', async () => {
    const { data } = await kit.request('POST /repos/{owner}/{repo}/check-runs', {
      ...at,
      head_sha: headSha,
      ...input,
    });
    return { id: Number(data.id), startedAt: Date.parse(data.started_at ?? '') || now() };
  });
}

export async function updateCheckRun(
  kit: Kit,
  at: Repo,
  id: number,
  input: CheckRunInput,
  lane?: 'low',
): Promise<void> {
  await call('updating the approval check run', async () => {
    await kit.request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', {
      ...at,
      check_run_id: id,
      ...input,
      request: lane ? { lane } : {},
    });
  });
}

/**
 * The app's check run on `headSha` whose `external_id` is `externalId`, if GitHub has one: what a
 * try whose outcome is unknown may have made. The app's own runs only (`app_id` filter).
 */
export async function findCheckRun(
  kit: Kit,
  at: Repo,
  headSha: string,
  externalId: string,
  appId: number,
  now: () => number,
): Promise<{ id: number; startedAt: number } | null> {
  return call(
    'looking for the approval check run',
    async () => {
      for (let page = 1; page <= 10; page++) {
        const { data } = await kit.request('GET /repos/{owner}/{repo}/commits/{ref}/check-runs', {
          ...at,
          ref: headSha,
          app_id: appId,
          filter: 'all',
          per_page: 100,
          page,
        });
        const found = data.check_runs.find((c) => c.external_id === externalId);
        if (found) return { id: Number(found.id), startedAt: Date.parse(found.started_at ?? '') || now() };
        if (data.check_runs.length < 100) return null;
      }
      return null;
    },
    () => null,
  );
}
