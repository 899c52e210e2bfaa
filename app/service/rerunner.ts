import { repoOf, type RunClaims } from '../domain/claims.ts';
import { AppError } from '../errors.ts';
import type { GitHubPort } from '../github/port.ts';

/**
 * The claims with the account id of whoever re-ran the run, when that is another account than the
 * actor's: GitHub's token names the re-runner by login only, and an account that later takes a
 * listed approver's login must still be known as the re-runner. The id is read from the run's
 * attempt itself (who started it), never by looking the login up: a login can change hands between
 * the re-run and the step asking. One read, on re-runs by another account only.
 */
export async function withRerunnerId(
  github: Pick<GitHubPort, 'getRunAttempt'>,
  installationId: number,
  claims: RunClaims,
): Promise<RunClaims> {
  const rerunner = claims.triggering_actor;
  if (!rerunner || rerunner.toLowerCase() === claims.actor.toLowerCase() || claims.triggering_actor_id)
    return claims;
  const [owner, repo] = repoOf(claims);
  const run = await github.getRunAttempt(
    installationId,
    owner,
    repo,
    Number(claims.run_id),
    Number(claims.run_attempt),
  );
  if (!run)
    throw new AppError(
      'forbidden',
      `GitHub knows no attempt ${claims.run_attempt} of run ${claims.run_id} of ${claims.repository}: the token's claims disagree with GitHub`,
    );
  return { ...claims, triggering_actor_id: String(run.triggeringActorId) };
}
