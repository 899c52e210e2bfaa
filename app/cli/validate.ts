import type { LoadResult } from '../policy/load.ts';
import type { Io } from './io.ts';
import { loadPolicySet, noPolicies } from './policy-set.ts';
import { renderErrors, type ErrorFormat } from './render-errors.ts';
import { counted } from '../render/plain.ts';

const count = (r: LoadResult | undefined): string =>
  r?.ok
    ? `${counted(r.policies.length, 'policy', 'policies')} in ${counted(r.files.length, 'file', 'files')}`
    : 'no policies';
const isAre = (r: LoadResult | undefined): string => (r?.ok && r.policies.length === 1 ? 'is' : 'are');

/**
 * `jit-approvals validate [dir | file] [--org-policies dir]`: 0 valid, 1 invalid. With
 * `orgDir` and no `dir` (or the same one), the organization's set by itself; with both, the
 * repository's set under the organization's, as the app combines them.
 */
export async function validateCommand(
  dir: string | undefined,
  format: ErrorFormat,
  io: Io,
  orgDir?: string,
): Promise<number> {
  const alone = orgDir !== undefined && dir === undefined;
  const repoDir = alone ? orgDir : (dir ?? '.approvals');
  const { result, org, repo } = await loadPolicySet(repoDir, orgDir, io, { file: true });
  const where =
    orgDir === undefined || repo === undefined
      ? repoDir
      : `${repoDir} with the organization policies in ${orgDir}`;
  if (!result.ok) {
    io.stdout(renderErrors(result.errors, format));
    if (format !== 'json') io.stderr(`${result.errors.length} error(s) in ${where}`);
    return 1;
  }
  if (format === 'json') io.stdout('[]');
  else if (orgDir === undefined) io.stderr(`${repoDir}: ${count(result)} ${isAre(result)} valid`);
  else if (repo === undefined)
    io.stderr(
      `${repoDir}: ${count(result)} ${isAre(result)} valid (organization policies, named org:<name>)`,
    );
  else if (noPolicies(org!)) io.stderr(`${repoDir}: ${count(repo)} ${isAre(repo)} valid`);
  else
    io.stderr(
      `${repoDir}: ${repo.ok ? count(repo) : 'no policies of its own'}, and ${orgDir}: ${count(org)} (organization policies, named org:<name>), are valid`,
    );
  return 0;
}
