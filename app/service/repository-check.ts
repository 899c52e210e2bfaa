import { AppError } from '../errors.ts';
import type { GitHubPort } from '../github/port.ts';
import type { RunClaims } from '../domain/claims.ts';

/**
 * Refuses a token whose claims name two repositories: policies are read for `repository` and
 * tokens minted for `repository_id`, so both must be the same repository, as GitHub sees it now,
 * and it must belong to `repository_owner`. One cached read of the repository; asked again,
 * uncached, only when the ids disagree (the name may have passed to a new repository since).
 */
export async function checkRepository(
  github: GitHubPort,
  installationId: number,
  claims: RunClaims,
): Promise<void> {
  const [owner = '', repo = '', ...rest] = claims.repository.split('/');
  if (rest.length > 0 || repo === '' || owner.toLowerCase() !== claims.repository_owner.toLowerCase())
    throw new AppError(
      'forbidden',
      `the token's claims disagree: repository "${claims.repository}" is not a repository of its repository_owner "${claims.repository_owner}"`,
    );
  const same = (id: number): boolean => String(id) === claims.repository_id;
  let id = await github.repositoryId(installationId, owner, repo);
  if (!same(id)) id = await github.repositoryId(installationId, owner, repo, { fresh: true });
  if (!same(id))
    throw new AppError(
      'forbidden',
      `the token's claims disagree: ${claims.repository} has id ${id}, but the token's repository_id ${claims.repository_id} names another repository`,
    );
}
