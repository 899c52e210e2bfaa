import type { Thread } from '../domain/thread.ts';
import type { CheckResult } from '../policy/evidence.ts';
import type { LoadResult } from '../policy/load.ts';
import type { ReviewRead } from './rest/evidence.ts';
import type { Level } from '../policy/permissions.ts';

export interface CheckRunInput {
  name: string;
  status: 'queued' | 'in_progress' | 'completed';
  conclusion?: 'action_required' | 'cancelled' | 'failure' | 'neutral' | 'success' | 'skipped' | 'timed_out';
  external_id: string;
  details_url?: string;
  output: {
    title: string;
    summary: string;
    text?: string;
    annotations?: {
      path: string;
      start_line: number;
      end_line: number;
      annotation_level: 'notice' | 'warning' | 'failure';
      title: string;
      message: string;
    }[];
  };
  actions: { label: string; description: string; identifier: string }[];
}

/** A job of a workflow run, as `GET /repos/{o}/{r}/actions/jobs/{job_id}` gives it. */
export interface WorkflowJob {
  id: number;
  runId: number;
  runAttempt: number;
  /** The display name: `name:` or the job key, with matrix values, e.g. `deploy (eu)`. */
  name: string;
  status: string;
}

/** A workflow run attempt, as `GET /repos/{o}/{r}/actions/runs/{run_id}` gives it. */
export interface WorkflowRun {
  id: number;
  attempt: number;
  /** The workflow file, e.g. `.github/workflows/deploy.yml`. */
  path: string;
  actor: string;
  actorId: number;
  triggeringActor: string;
  triggeringActorId: number;
  headSha: string;
  event: string;
  headBranch: string | null;
  /** The check suite of the run's jobs (their check runs are in it). */
  checkSuiteId: number | null;
  /** The repository the run's commit came from: another one for a fork's pull request. */
  headRepository: { id: number; fullName: string } | null;
}

export type { Thread } from '../domain/thread.ts';

/** A repository by its owner and name. */
export interface RepoRef {
  owner: string;
  repo: string;
}

/** A merged pull request with its reviews (`mergedPullOf`). */
export interface MergedPull {
  number: number;
  author: string;
  authorId: number;
  mergedAt: number;
  /** The pull request's head commit when it was merged: approvals of an earlier head do not count. */
  headSha: string;
  reviews: ReviewRead[];
}

/** Everything the service asks of GitHub. The Octokit implementation is in octokit-github.ts. */
export interface GitHubPort {
  installationFor(owner: string, repo: string): Promise<number>;
  /** What the app's installation on the repository holds, by permission (read a few minutes at most ago). */
  installationPermissions(owner: string, repo: string): Promise<Record<string, string>>;
  /** The repository's id, as GitHub has it now (`fresh`) or as last read (cached per repository). */
  repositoryId(
    installationId: number,
    owner: string,
    repo: string,
    opts?: { fresh?: boolean },
  ): Promise<number>;
  /**
   * The repository's policies with its organization's; `ownerId` (the owner's account id, where
   * known) tells whether the owner is listed by id in MANDATORY_ORG_POLICIES.
   */
  loadPolicies(installationId: number, owner: string, repo: string, ownerId?: number): Promise<LoadResult>;
  /**
   * Loads and validates `.approvals/` at any commit (the policy check). With `unlessAsOnDefault`,
   * null when the commit's policy files are exactly the default branch's (nothing else is read).
   */
  validatePoliciesAt(
    installationId: number,
    owner: string,
    repo: string,
    ref: string,
    opts?: { unlessAsOnDefault?: boolean },
  ): Promise<LoadResult | null>;
  /** Drops the cached policies of a repository (a push changed `.approvals/`). */
  invalidatePolicies(owner: string, repo: string): void;
  pullRequestHead(installationId: number, owner: string, repo: string, number: number): Promise<string>;
  /** A job of a run of the repository; null when the repository has no job with that id. */
  getJob(installationId: number, owner: string, repo: string, jobId: number): Promise<WorkflowJob | null>;
  /** One attempt of a workflow run (who started that attempt); null when there is no such attempt. */
  getRunAttempt(
    installationId: number,
    owner: string,
    repo: string,
    runId: number,
    attempt: number,
  ): Promise<WorkflowRun | null>;
  /** A workflow run of the repository (its latest attempt); null when it has no run with that id. */
  getRun(installationId: number, owner: string, repo: string, runId: number): Promise<WorkflowRun | null>;
  /**
   * Answers a custom deployment protection rule: the run's jobs waiting on `environment` go on
   * (`approved`) or fail (`rejected`).
   */
  reviewGate(
    installationId: number,
    owner: string,
    repo: string,
    runId: number,
    answer: { environment: string; state: 'approved' | 'rejected'; comment: string },
  ): Promise<void>;
  /** A file's text at a commit; null when it does not exist there. */
  fileAt(
    installationId: number,
    owner: string,
    repo: string,
    path: string,
    ref: string,
  ): Promise<string | null>;
  /**
   * May `login` read the repository? Anyone may read a public one; otherwise GitHub's permission
   * for the user (direct, through a team, or the organization's base permission) must be at least
   * read. A user GitHub does not know reads nothing.
   */
  canRead(installationId: number, owner: string, repo: string, login: string): Promise<boolean>;
  /** May `login` write to the repository (write, maintain or admin)? A reviewer's approval counts only then. */
  canWrite(installationId: number, owner: string, repo: string, login: string): Promise<boolean>;
  /** The account id of the user (or bot) that holds `login` now; null when nobody does. */
  userId(installationId: number, login: string): Promise<number | null>;
  /** The login account `id` holds now; null when GitHub knows no such account. */
  loginOf(installationId: number, id: number): Promise<string | null>;
  /**
   * Is `login` an active (not pending) member of `org/team`? Asked of GitHub each time, unless
   * `cached`: then an answer up to MEMBERSHIP_CACHE_SECONDS old may be reused. Screens (may this
   * click or page vote count at all? may this user see Approve?) are cached, so a stranger's
   * repeats cost one call per team per period; a vote is judged, and a decision made, on fresh
   * answers, so a member removed from a team is shown the buttons for at most that long but her
   * vote never counts after her removal.
   */
  isActiveMember(
    installationId: number,
    team: string,
    login: string,
    options?: { cached?: boolean },
  ): Promise<boolean>;
  /**
   * The check runs and commit statuses on `sha`, latest per name, without the app's own check runs
   * and those of check suite `excludeSuite` (the asking run's jobs).
   */
  commitChecks(
    installationId: number,
    at: RepoRef,
    sha: string,
    excludeSuite: number | null,
  ): Promise<CheckResult[]>;
  /** The merged pull request whose merge commit is `sha` (into `baseBranch`), with its reviews; null when none. */
  mergedPullOf(
    installationId: number,
    at: RepoRef,
    sha: string,
    baseBranch: string | null,
  ): Promise<MergedPull | null>;
  /** The files changed from `base` to `head` (cached: the answer never changes); throws when too many to list. */
  compareCommits(
    installationId: number,
    at: RepoRef,
    base: string,
    head: string,
  ): Promise<{ path: string; lines: number }[]>;
  /** Whether GitHub verified the signature of commit `sha` (cached: the answer never changes). */
  commitVerified(installationId: number, at: RepoRef, sha: string): Promise<boolean>;
  /** Makes a check run; returns its id and when GitHub started it (its clock, epoch ms). */
  createCheckRun(
    installationId: number,
    owner: string,
    repo: string,
    headSha: string,
    input: CheckRunInput,
  ): Promise<{ id: number; startedAt: number }>;
  /** Updates a check run; `lane: 'low'` where the update may wait behind every other write. */
  updateCheckRun(
    installationId: number,
    owner: string,
    repo: string,
    id: number,
    input: CheckRunInput,
    opts?: { lane?: 'low' },
  ): Promise<void>;
  /** The app's check run on `headSha` with `external_id` = `externalId`, if one exists. */
  findCheckRun(
    installationId: number,
    owner: string,
    repo: string,
    headSha: string,
    externalId: string,
  ): Promise<{ id: number; startedAt: number } | null>;
  /** The id of the app's comment in `on` whose text ends with `ending` (a marker), if one exists. */
  findComment(
    installationId: number,
    owner: string,
    repo: string,
    on: Thread,
    ending: string,
  ): Promise<number | null>;
  /** The number of the app's issue whose body ends with `ending` (a marker), if one exists. */
  findIssue(installationId: number, owner: string, repo: string, ending: string): Promise<number | null>;
  /** Whether jobs of run `runId` still wait on `environment` (a gate not answered yet). */
  gateWaiting(
    installationId: number,
    owner: string,
    repo: string,
    runId: number,
    environment: string,
  ): Promise<boolean>;
  /**
   * Comments on a pull request or a commit as the app; returns the comment's id. `lane: 'low'`:
   * an answer that may wait behind every other write, at its own small rate, and may be dropped.
   */
  postComment(
    installationId: number,
    owner: string,
    repo: string,
    on: Thread,
    body: string,
    opts?: { lane?: 'low' },
  ): Promise<number>;
  editComment(
    installationId: number,
    owner: string,
    repo: string,
    on: Thread,
    id: number,
    body: string,
  ): Promise<void>;
  /** Reacts to a comment (`+1`, `eyes`, …) as the app: how a counted command is acknowledged. */
  react(
    installationId: number,
    owner: string,
    repo: string,
    on: Thread,
    id: number,
    content: string,
  ): Promise<void>;
  /** Opens an issue assigned to `assignees`; returns its number. */
  openIssue(
    installationId: number,
    owner: string,
    repo: string,
    issue: { title: string; body: string; assignees: string[]; labels?: string[] },
  ): Promise<number>;
  updateIssue(
    installationId: number,
    owner: string,
    repo: string,
    number: number,
    change: { body?: string; state?: 'open' | 'closed' },
  ): Promise<void>;
  mintToken(
    installationId: number,
    repositoryId: number,
    permissions: Record<string, Level>,
  ): Promise<{ token: string; expiresAt: number }>;
  revokeToken(token: string): Promise<void>;
  /** Checks that GitHub answers (within `timeoutMs` if given, else the calls' own bound). */
  ping(timeoutMs?: number): Promise<void>;
}
