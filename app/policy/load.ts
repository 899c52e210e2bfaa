import { compilePolicy } from './compile.ts';
import { MAX_FILE_BYTES, sizeError } from './decode.ts';
import type { CompiledPolicy } from './compiled.ts';
import { START, policyError, type PolicyError } from './errors.ts';
import { parseSchemaFiles, type SourceFile } from './parse-file.ts';
import type { SourceMap } from './positions.ts';
import { salvagePolicies } from './salvage.ts';
import { policyFileValidator, policyValidator } from './schema.ts';
import type { Policy } from './types.generated.ts';

/** Policy files a directory may hold: past this none is read, and the set is invalid. */
export const MAX_POLICY_FILES = 100;

/**
 * Bytes a directory's policy files may hold together: past this none is read, and the set is
 * invalid. Validating costs time in proportion to the bytes (about half a second a MiB of hostile
 * policies), and the app validates a stranger's pull request too: this bounds what one check costs.
 */
export const MAX_POLICY_BYTES = 1024 * 1024;

/** The error of a directory whose policy files hold more than `MAX_POLICY_BYTES` together. */
export function tooLarge(dir: string, bytes: number): PolicyError {
  return policyError(
    dir,
    START,
    'too_large',
    `the policy files in ${dir} hold ${bytes} bytes together; at most ${MAX_POLICY_BYTES} (1 MiB) are read`,
    'keep policies short: one policy per action pattern, shared settings in fewer policies',
  );
}

/** The error of a directory holding more than `MAX_POLICY_FILES` policy files. */
export function tooManyFiles(dir: string, count: number): PolicyError {
  return policyError(
    dir,
    START,
    'too_many_files',
    `${dir} holds ${count} policy files; at most ${MAX_POLICY_FILES} are read`,
    'merge policies into fewer files (one file may hold many policies)',
  );
}

export type LoadResult =
  | { ok: true; policies: CompiledPolicy[]; files: string[] }
  | { ok: false; errors: PolicyError[]; files: string[] };

/** The policies of one file, by their place in it. */
interface FilePolicies {
  path: string;
  map: SourceMap;
  policies: { index: number; policy: Policy }[];
}

/**
 * Parses, validates and compiles every policy file of a repository. Any error anywhere fails the
 * whole set (the app then denies every request): a half-loaded policy set is never used. Every
 * error is reported at once: the checks beyond the schema also run on the policies of a file that
 * failed it, on what the schema did not refuse.
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
  if (sources.length > MAX_POLICY_FILES)
    return { ok: false, errors: [tooManyFiles(dir, sources.length)], files };
  const sizes = sources.map((s) =>
    typeof s.content === 'string' ? Buffer.byteLength(s.content) : s.content.byteLength,
  );
  const bytes = sizes.reduce((sum, n) => sum + n, 0);
  if (bytes > MAX_POLICY_BYTES) {
    // A file too large by itself is named as such; otherwise the set is.
    const oversized = sources.filter((_, i) => sizes[i]! > MAX_FILE_BYTES);
    const errors = oversized.length ? oversized.map((f) => sizeError(f.path)) : [tooLarge(dir, bytes)];
    return { ok: false, errors, files };
  }
  const { parsed, errors, invalid } = parseSchemaFiles(sources, policyFileValidator());
  const checked: FilePolicies[] = [
    ...parsed.map((f) => ({ ...f, policies: f.value.policies.map((policy, index) => ({ index, policy })) })),
    ...invalid.map((f) => ({ ...f, policies: salvagePolicies(f.value, f.schemaErrors, policyValidator()) })),
  ].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const policies: CompiledPolicy[] = [];
  const seen = new Map<string, string>();
  for (const file of checked) {
    for (const { index, policy: p } of file.policies) {
      const at = file.map.value(`/policies/${index}/name`);
      const first = seen.get(p.name);
      if (first) {
        errors.push(
          policyError(
            file.path,
            at,
            'duplicate_name',
            `policy name "${p.name}" is already used at ${first}`,
            'give each policy a name that is unique across all files in .approvals/',
          ),
        );
      } else {
        seen.set(p.name, `${file.path}:${at.line}:${at.column}`);
      }
      const compiled = compilePolicy(p, index, file.path, file.map, errors);
      if (compiled) policies.push(compiled);
    }
  }
  if (errors.length === 0) return { ok: true, policies, files };
  errors.sort((a, b) =>
    a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column,
  );
  return { ok: false, errors, files };
}
