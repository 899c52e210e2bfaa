// Reads the live evidence a decision needs (auto_approve's evidence keys) from GitHub: only the kinds
// the governing policies' matching entries require, at most once per request (what was read is kept
// with the request), and never approving on what could not be read.
import { isForkRef, repoOf } from '../domain/claims.ts';
import type { DecisionInput } from '../domain/request.ts';
import type { CompiledPolicy } from '../policy/compiled.ts';
import {
  SIGNAL_PERMISSIONS,
  type Comparison,
  type PullEvidence,
  type Read,
  type Reviewer,
  type SignalKind,
  type Signals,
} from '../policy/evidence.ts';
import { governingPolicies } from '../policy/policy-index.ts';
import type { ApprovalRequest } from '../policy/request.ts';
import type { MergedPull } from '../github/port.ts';
import type { Ports } from './ports.ts';
import { EVIDENCE_READS_HELP } from '../metrics-catalogue.ts';

type ReadPorts = Pick<Ports, 'github' | 'ledger' | 'metrics'>;

/** What the policies' entries that match `request` require, and the teams their reviewers are checked against. */
export function evidenceNeeded(
  policies: readonly CompiledPolicy[],
  request: ApprovalRequest,
): { kinds: Set<SignalKind>; teams: Set<string>; changes: string[] } {
  const kinds = new Set<SignalKind>();
  const teams = new Set<string>();
  const changes: string[] = [];
  for (const p of governingPolicies(policies, request)) {
    for (const entry of p.autoApprove) {
      if (entry.evidence.needs.length === 0 || !entry.request(request)) continue;
      for (const k of entry.evidence.needs) kinds.add(k);
      for (const t of entry.evidence.teams) teams.add(t);
      if (entry.evidence.needs.includes('changes') && !changes.includes(p.name)) changes.push(p.name);
    }
  }
  return { kinds, teams, changes };
}

/**
 * The evidence `request` needs under `policies`: what `have` holds already, and the rest read now
 * (and the kinds in `fresh` read again: checks that finished). A read that fails, or that the
 * installation lacks the permission for, is kept as unreadable, with why.
 */
export async function readSignals(
  p: ReadPorts,
  r: DecisionInput,
  policies: readonly CompiledPolicy[],
  request: ApprovalRequest,
  have: Signals,
  fresh: readonly SignalKind[] = [],
): Promise<Signals> {
  const needed = evidenceNeeded(policies, request);
  if (needed.kinds.size === 0) return have;
  const [owner, repo] = repoOf(r.claims);
  const sha = r.claims.sha;
  const out: { -readonly [K in keyof Signals]: Signals[K] } = { ...have };
  const missing = (k: SignalKind) => needed.kinds.has(k) && (fresh.includes(k) || out[k] === undefined);
  if (![...needed.kinds].some(missing)) return have;
  const held = await p.github.installationPermissions(owner, repo).catch(() => null);
  const guarded = async <T>(kind: SignalKind, read: () => Promise<T>): Promise<Read<T>> => {
    const lacking = held === null ? [] : SIGNAL_PERMISSIONS[kind].filter((perm) => !(perm in held));
    const result: Read<T> =
      lacking.length > 0
        ? {
            ok: false,
            error: `the app's installation lacks ${lacking.map((x) => `${x}: read`).join(' and ')}`,
          }
        : await read().then(
            (value): Read<T> => ({ ok: true, value }),
            (err: unknown): Read<T> => ({ ok: false, error: (err as Error).message }),
          );
    p.metrics.count('jit_evidence_reads_total', EVIDENCE_READS_HELP, {
      kind,
      outcome: result.ok ? 'read' : 'unreadable',
    });
    return result;
  };
  const inst = r.installationId;
  // A fork's run (a stranger's pull request): its checks run the fork's own workflow files, its
  // commit is signed by whoever made it, and it was merged through nothing. Evidence about it proves
  // nothing, so none is read (and none is waited for): its approvers decide.
  if (isForkRef(r.claims.ref)) {
    const why: Read<never> = {
      ok: false,
      error:
        "a fork's run: evidence about a stranger's commit proves nothing (its checks run the fork's own workflows)",
    };
    for (const kind of needed.kinds) {
      p.metrics.count('jit_evidence_reads_total', EVIDENCE_READS_HELP, { kind, outcome: 'unreadable' });
      if (kind === 'changes') out.changes = Object.fromEntries(needed.changes.map((policy) => [policy, why]));
      else out[kind] = why;
    }
    return out;
  }
  const reads: Promise<void>[] = [];
  if (missing('checks'))
    reads.push(
      guarded('checks', async () => {
        const run = await p.github.getRun(inst, owner, repo, Number(r.claims.run_id));
        return p.github.commitChecks(inst, { owner, repo }, sha, run?.checkSuiteId ?? null);
      }).then((x) => void (out.checks = x)),
    );
  if (missing('pull_request'))
    reads.push(
      guarded('pull_request', async () => {
        const branch = r.claims.ref.startsWith('refs/heads/')
          ? r.claims.ref.slice('refs/heads/'.length)
          : null;
        const pull = await p.github.mergedPullOf(inst, { owner, repo }, sha, branch);
        return pull === null ? null : withTeams(p, inst, { owner, repo }, pull, [...needed.teams]);
      }).then((x) => void (out.pull_request = x)),
    );
  if (missing('changes'))
    reads.push(
      Promise.all(
        needed.changes.map(async (policy) => {
          const read = await guarded('changes', async (): Promise<Comparison | null> => {
            const base = await p.ledger.find.lastApproved(
              r.claims.repository_id,
              r.action,
              r.claims.environment ?? '',
              policy,
            );
            if (base === null) return null;
            const files = base === sha ? [] : await p.github.compareCommits(inst, { owner, repo }, base, sha);
            return { base, files };
          });
          return [policy, read] as const;
        }),
      ).then((x) => void (out.changes = Object.fromEntries(x))),
    );
  if (missing('verified_commit'))
    reads.push(
      guarded('verified_commit', () => p.github.commitVerified(inst, { owner, repo }, sha)).then(
        (x) => void (out.verified_commit = x),
      ),
    );
  await Promise.all(reads);
  return out;
}

/** Approving reviewers whose write access is checked at most (one call each). */
export const MAX_REVIEWERS_CHECKED = 20;

/** The review states that replace an earlier review by the same reviewer (a comment does not). */
const STANDING = new Set(['APPROVED', 'CHANGES_REQUESTED', 'DISMISSED']);

/**
 * The reviewers whose approval stood at the merge: each reviewer's last review submitted by then
 * that approved, requested changes or was dismissed, counted when it approved the head that was
 * merged (an approval of an earlier head says nothing of the commits after it). By account id.
 */
export function standingApprovals(
  pull: Pick<MergedPull, 'reviews' | 'mergedAt' | 'headSha'>,
): { login: string; id: number }[] {
  const last = new Map<number, { login: string; state: string; commitId: string | null }>();
  for (const review of [...pull.reviews].sort((a, b) => (a.submittedAt ?? 0) - (b.submittedAt ?? 0))) {
    if (!STANDING.has(review.state) || review.submittedAt === null || review.submittedAt > pull.mergedAt)
      continue;
    last.set(review.userId, { login: review.login, state: review.state, commitId: review.commitId });
  }
  return [...last]
    .filter(([, r]) => r.state === 'APPROVED' && r.commitId === pull.headSha)
    .map(([id, r]) => ({ login: r.login, id }));
}

/**
 * The pull request evidence: the standing approvals of reviewers who may write to the repository
 * (as GitHub's branch protection counts them: on a public repository anyone may review), with each
 * one's membership of the policies' teams.
 */
async function withTeams(
  p: ReadPorts,
  installationId: number,
  at: { owner: string; repo: string },
  pull: MergedPull,
  teams: readonly string[],
): Promise<PullEvidence> {
  const standing = standingApprovals(pull).slice(0, MAX_REVIEWERS_CHECKED);
  const writers = (
    await Promise.all(
      standing.map(async (a) =>
        (await p.github.canWrite(installationId, at.owner, at.repo, a.login)) ? a : null,
      ),
    )
  ).filter((a): a is { login: string; id: number } => a !== null);
  const approvals: Reviewer[] = await Promise.all(
    writers.map(async (a) => ({
      ...a,
      teams: (
        await Promise.all(
          teams.map(async (t) => ((await p.github.isActiveMember(installationId, t, a.login)) ? t : null)),
        )
      ).filter((t): t is string => t !== null),
    })),
  );
  return { number: pull.number, author: pull.author, author_id: pull.authorId, approvals };
}
