import type { GitHubPort } from '../github/port.ts';

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
): Promise<void> {
  const result = await github.validatePoliciesAt(installationId, owner, repo, sha);
  const errors = result.ok ? [] : result.errors;
  const summary = result.ok
    ? `${result.policies.length} policies in ${result.files.length} file(s) are valid. They take effect once merged into the default branch.`
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
        .map((e) => `- \`${e.file}:${e.line}:${e.column}\` ${e.message} (fix: ${e.fix})`)
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
