import { compilePolicy } from './compile.ts';
import type { CompiledPolicy } from './compiled.ts';
import { START, policyError, type PolicyError } from './errors.ts';
import { parseSchemaFiles, type SourceFile } from './parse-file.ts';
import { policyFileValidator } from './schema.ts';

export type LoadResult =
  | { ok: true; policies: CompiledPolicy[]; files: string[] }
  | { ok: false; errors: PolicyError[]; files: string[] };

/**
 * Parses, validates and compiles every policy file of a repository. Any error anywhere fails the
 * whole set (the app then denies every request): a half-loaded policy set is never used.
 *
 * @param dir the directory the files came from, named in the error when there are none.
 */
export function loadPolicies(sources: readonly SourceFile[], dir = '.approvals'): LoadResult {
  const files = sources.map((s) => s.path).sort();
  if (sources.length === 0) {
    const error = policyError(
      dir,
      START,
      'no_policies',
      `no policy files (*.yml, *.yaml) in ${dir}`,
      `add a file such as ${dir}/policies.yml with \`version: 1\` and a \`policies:\` list`,
    );
    return { ok: false, errors: [error], files };
  }
  const { parsed: valid, errors } = parseSchemaFiles(sources, policyFileValidator());
  const policies: CompiledPolicy[] = [];
  const seen = new Map<string, string>();
  for (const parsed of valid) {
    parsed.value.policies.forEach((p, i) => {
      const at = parsed.map.value(`/policies/${i}/name`);
      const first = seen.get(p.name);
      if (first) {
        errors.push(
          policyError(
            parsed.path,
            at,
            'duplicate_name',
            `policy name "${p.name}" is already used at ${first}`,
            'give each policy a name that is unique across all files in .approvals/',
          ),
        );
      } else {
        seen.set(p.name, `${parsed.path}:${at.line}:${at.column}`);
      }
      const compiled = compilePolicy(p, i, parsed.path, parsed.map, errors);
      if (compiled) policies.push(compiled);
    });
  }
  if (errors.length === 0) return { ok: true, policies, files };
  errors.sort((a, b) =>
    a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column,
  );
  return { ok: false, errors, files };
}
