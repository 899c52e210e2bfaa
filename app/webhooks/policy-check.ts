import type { GitHubPort } from '../github/port.ts';
import { inertCode, inertText } from '../render/markdown.ts';
import type { PolicyError } from '../policy/errors.ts';
import type { LoadResult } from '../policy/load.ts';

/** Policies that name chat targets the app has no configuration for (NOTIFY_TARGETS). */
function unknownTargets(result: LoadResult, unknown: (names: readonly string[]) => string[]): PolicyError[] {
  if (!result.ok) return [];
  return result.policies.flatMap((p) =>
    unknown(p.notify.webhooks).map((name) => ({
      file: p.file,
      line: p.line,
      column: 1,
      rule: 'notify_target',
      message: `policy "${p.name}": notify.webhooks names "${name}", which this app has no target for`,
      fix: `configure "${name}" in the app's NOTIFY_TARGETS, or remove it from the policy`,
    })),
  );
}

/**
 * The "policy check" check run on a commit that changes `.approvals/`: success, or failure with an
 * annotation at each error's file and line, so policy changes are reviewed like code.
 */
export async function policyCheck(
  github: GitHubPort,
  installationId: number,
  owner: string,
  repo: string,
  sha: string,
  unknown: (names: readonly string[]) => string[] = () => [],
): Promise<void> {
  const loaded = await github.validatePoliciesAt(installationId, owner, repo, sha);
  const errors = loaded.ok ? unknownTargets(loaded, unknown) : loaded.errors;
  const result = errors.length > 0 && loaded.ok ? { ...loaded, ok: false as const, errors } : loaded;
  const summary = result.ok
    ? `${result.policies.length} policies in ${result.files.length} file(s) are valid. They take effect once merged into the default branch.`
    : loaded.ok
      ? `${errors.length} notification target(s) unknown to this app: requests are decided, but nobody is told there.`
      : `${errors.length} error(s). Until they are fixed on the default branch, every request is denied.`;
  await github.createCheckRun(installationId, owner, repo, sha, {
    name: 'policy check',
    status: 'completed',
    conclusion: result.ok ? 'success' : 'failure',
    external_id: `policy-check:${sha}`,
    output: {
      title: result.ok ? 'Policies are valid' : `${errors.length} policy error(s)`,
      summary,
      text: errors
        .map(
          (e) =>
            `- ${inertCode(`${e.file}:${e.line}:${e.column}`)} ${inertText(e.message)} (fix: ${inertText(e.fix)})`,
        )
        .join('\n')
        .slice(0, 65_000),
      annotations: errors.slice(0, 50).map((e) => ({
        path: e.file,
        start_line: e.line,
        end_line: e.line,
        annotation_level: 'failure' as const,
        title: `jit-approvals: ${e.rule}`,
        message: `${e.message}\nFix: ${e.fix}`,
      })),
    },
    actions: [],
  });
}
