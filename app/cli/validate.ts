import { loadPolicies, type LoadResult } from '../policy/load.ts';
import { readYamlDir } from './read-dir.ts';
import { renderErrors, type ErrorFormat } from './render-errors.ts';
import type { Io } from './io.ts';

/** The policies in `dir`; with `file: true`, `dir` may also be one policy file. */
export async function loadPolicyDir(dir: string, { file = false } = {}): Promise<LoadResult> {
  return loadPolicies(await readYamlDir(dir, { file }), dir);
}

/** `jit-approvals validate [dir | file]`: 0 valid, 1 invalid. */
export async function validateCommand(dir: string, format: ErrorFormat, io: Io): Promise<number> {
  const result = await loadPolicyDir(dir, { file: true });
  if (!result.ok) {
    io.stdout(renderErrors(result.errors, format));
    if (format !== 'json') io.stderr(`${result.errors.length} error(s) in ${dir}`);
    return 1;
  }
  if (format === 'json') io.stdout('[]');
  else io.stderr(`${dir}: ${result.policies.length} policies in ${result.files.length} file(s) are valid`);
  return 0;
}
