import type { OwnerRef } from '../config/owners.ts';
import type { GitHubPort } from '../github/port.ts';
import { inertCode, inertText } from '../render/markdown.ts';
import type { PolicyError } from '../policy/errors.ts';
import { formatShortfall, shortfall } from '../policy/permissions.ts';
import type { CompiledPolicy } from '../policy/compiled.ts';
import { SIGNAL_PERMISSIONS } from '../policy/evidence.ts';
import type { LoadResult } from '../policy/load.ts';
import { POLICY_CHECKS_PER_SENDER, type PolicyCheckBudget } from './check-budget.ts';
import { counted } from '../render/plain.ts';

/** What the app says of the chat targets a policy of `owner` names (see ChatDelivery.refused). */
export type TargetCheck = (
  names: readonly string[],
  owner: OwnerRef,
) => { unknown: string[]; notOwned: string[] };

/**
 * Policies that name chat targets the app has no configuration for (NOTIFY_TARGETS), or targets
 * whose owners do not include the repository's owner: nothing is ever sent to those.
 */
function targetErrors(result: LoadResult, owner: OwnerRef, check: TargetCheck): PolicyError[] {
  if (!result.ok) return [];
  return result.policies.flatMap((p) => {
    const { unknown, notOwned } = check(p.notify.webhooks, owner);
    const at = { file: p.file, line: p.line, column: 1, rule: 'notify_target' };
    return [
      ...unknown.map((name) => ({
        ...at,
        message: `policy "${p.name}": notify.webhooks names "${name}", which this app has no target for`,
        fix: `configure "${name}" in the app's NOTIFY_TARGETS, or remove it from the policy`,
      })),
      ...notOwned.map((name) => ({
        ...at,
        message: `policy "${p.name}": notify.webhooks names "${name}", which ${owner.login} may not use (it is not among the target's owners)`,
        fix: `name a target of ${owner.login}'s own, or ask the app's operator to add ${owner.login} to the owners of "${name}" in NOTIFY_TARGETS`,
      })),
    ];
  });
}

/**
 * Policies whose token the app's installation cannot mint: they grant a permission, or a level of
 * one, that the installation does not hold. Every approval under them would be denied.
 */
function permissionErrors(
  result: LoadResult,
  owner: string,
  held: Readonly<Record<string, string>>,
): PolicyError[] {
  if (!result.ok) return [];
  return result.policies.flatMap((p) => [...evidenceErrors(p, owner, held), ...tokenErrors(p, owner, held)]);
}

/**
 * Evidence keys whose reads the installation has no permission for: those entries never match (the
 * request goes to the approvers), and the policy check says so before anyone relies on them.
 */
function evidenceErrors(
  p: CompiledPolicy,
  owner: string,
  held: Readonly<Record<string, string>>,
): PolicyError[] {
  return p.autoApprove.flatMap((entry, i) => {
    const lacking = [
      ...new Set([
        ...entry.evidence.needs.flatMap((k) => SIGNAL_PERMISSIONS[k]),
        ...(entry.evidence.teams.length > 0 ? ['members'] : []),
      ]),
    ].filter((perm) => !(perm in held));
    if (lacking.length === 0) return [];
    return [
      {
        file: p.file,
        line: p.line,
        column: 1,
        rule: 'evidence_permissions',
        message: `policy "${p.name}": auto_approve[${i}] reads ${entry.evidence.needs.join(', ')}, which needs ${lacking.map((x) => `${x}: read`).join(', ')}: the app's installation on ${owner} lacks it, so this entry never approves and its requests go to the approvers`,
        fix: `grant ${lacking.map((x) => `${x}: read`).join(', ')} in the app's settings (an owner of ${owner} accepts the new permissions on the installation), or remove the evidence keys`,
      },
    ];
  });
}

function tokenErrors(
  p: CompiledPolicy,
  owner: string,
  held: Readonly<Record<string, string>>,
): PolicyError[] {
  const missing = p.token ? shortfall(p.token.permissions, held) : [];
  if (missing.length === 0) return [];
  return [
    {
      file: p.file,
      line: p.line,
      column: 1,
      rule: 'token_permissions',
      message: `policy "${p.name}": token.permissions needs ${formatShortfall(missing)}: the app's installation on ${owner} cannot mint such a token, so every request under this policy is denied`,
      fix: `grant ${missing.map((m) => `${m.name}: ${m.needs}`).join(', ')} in the app's settings (an owner of ${owner} accepts the new permissions on the installation), or lower token.permissions`,
    },
  ];
}

export interface PolicyCheckOptions {
  ownerId: number;
  check: TargetCheck;
  /** The account that pushed or opened the pull request: its checks are counted (`budget`). */
  sender?: { id: number; login: string };
  budget?: PolicyCheckBudget;
  /** A pull request: no check at all when its policy files are exactly the default branch's. */
  unlessAsOnDefault?: boolean;
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
  o: PolicyCheckOptions = { ownerId: 0, check: () => ({ unknown: [], notOwned: [] }) },
): Promise<void> {
  const turn = o.sender && o.budget ? o.budget.take(o.sender.id) : 'run';
  if (turn === 'skip') return;
  if (turn === 'notice') {
    await github.createCheckRun(installationId, owner, repo, sha, {
      name: 'policy check',
      status: 'completed',
      conclusion: 'neutral',
      external_id: `policy-check:${sha}`,
      output: {
        title: 'Not checked: too many policy checks',
        summary: `${inertText(o.sender!.login)} had ${POLICY_CHECKS_PER_SENDER} policy checks in the last hour, the most one account gets. Push again later, or run \`jit-approvals validate\` locally. Policies are validated again when a request reads them.`,
      },
      actions: [],
    });
    return;
  }
  const loaded = await github.validatePoliciesAt(installationId, owner, repo, sha, {
    unlessAsOnDefault: o.unlessAsOnDefault ?? false,
  });
  if (loaded === null) return o.budget?.count('unchanged');
  o.budget?.count('checked');
  const errors = loaded.ok
    ? [
        ...targetErrors(loaded, { login: owner, id: o.ownerId }, o.check),
        ...permissionErrors(loaded, owner, await github.installationPermissions(owner, repo)),
      ]
    : loaded.errors;
  const result = errors.length > 0 && loaded.ok ? { ...loaded, ok: false as const, errors } : loaded;
  const summary = result.ok
    ? `${counted(result.policies.length, 'policy', 'policies')} in ${counted(result.files.length, 'file', 'files')} ${result.policies.length === 1 ? 'is' : 'are'} valid. They take effect once merged into the default branch.`
    : loaded.ok
      ? `${errors.length} error(s): policies that grant tokens the app cannot mint deny every request under them; notification targets unknown to this app or not this owner's are never told.`
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
