// The simulated GitHub's state: users, the app and its installations, repositories with commits,
// pull requests and check runs, teams, and the installation and user tokens issued so far.
import { createHash, generateKeyPairSync, randomBytes, randomInt, type KeyObject } from 'node:crypto';

export type Level = 'read' | 'write' | 'admin';
export type Permissions = Record<string, Level>;

export interface SimUser {
  id: number;
  login: string;
  type: 'User' | 'Bot' | 'Organization';
}

export interface SimApp {
  id: number;
  slug: string;
  name: string;
  owner: string;
  /** PEM private key, for the app under test (PRIVATE_KEY). */
  privateKey: string;
  publicKey: KeyObject;
  permissions: Permissions;
  events: string[];
  /** The app's OAuth client id, in GitHub's format for GitHub Apps (`Iv23li` + 14 characters). */
  clientId: string;
  /** The app's client secret: 40 hex digits, as GitHub generates them. */
  clientSecret: string;
  /**
   * Registered user authorization callback URLs. Empty or absent: any `redirect_uri` is accepted
   * (convenient for tests on random ports); otherwise it must start with one of them.
   */
  callbackUrls?: string[];
  /** Where GitHub sends the app's webhooks, and their secret (apps registered from a manifest). */
  webhookUrl?: string;
  webhookSecret?: string;
}

/** A registration from a manifest that GitHub confirmed, waiting for its code to be converted. */
export interface PendingManifest {
  manifest: Record<string, unknown>;
  name: string;
  owner: string;
  expiresAt: number;
}

export interface SimInstallation {
  id: number;
  account: string;
  /** `all` repositories of the account, or these repository ids. */
  repositories: 'all' | number[];
  permissions: Permissions;
}

export interface SimPull {
  number: number;
  title: string;
  user: string;
  headRef: string;
  headSha: string;
  baseRef: string;
  state: 'open' | 'closed';
  /** The files the pull request changes (applied to the base when it is merged). */
  changes?: Record<string, string | null>;
  /** Set once merged: the merge commit on the base branch, when, and by whom. */
  merged?: { sha: string; at: string; by: string };
  reviews?: SimReview[];
}

/** A pull request review (`GET /repos/{o}/{r}/pulls/{n}/reviews`). */
export interface SimReview {
  id: number;
  user: string;
  state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED' | 'PENDING';
  commitId: string;
  submittedAt: string;
}

/** A commit status (`POST /repos/{o}/{r}/statuses/{sha}`). */
export interface SimStatus {
  id: number;
  sha: string;
  context: string;
  state: 'pending' | 'success' | 'failure' | 'error';
  description: string | null;
  creator: string;
  createdAt: string;
}

/** GitHub Actions' app id: the check runs of workflow jobs are its. */
export const ACTIONS_APP_ID = 15368;

export interface SimCheckRun {
  id: number;
  repoId: number;
  appId: number;
  name: string;
  head_sha: string;
  status: 'queued' | 'in_progress' | 'completed' | 'waiting' | 'requested' | 'pending';
  conclusion: string | null;
  /** The check suite it belongs to (one per app and commit); absent: the run's own id. */
  checkSuiteId?: number;
  started_at: string;
  completed_at: string | null;
  external_id: string | null;
  details_url: string | null;
  output: { title: string | null; summary: string | null; text: string | null; annotations: unknown[] };
  actions: { label: string; description: string; identifier: string }[];
}

export interface SimComment {
  id: number;
  /** The issue or pull request number. */
  issue: number;
  body: string;
  user: string;
  createdAt: string;
  updatedAt: string;
  /** Reactions by content (`+1`, `eyes`, …), with who reacted. */
  reactions: { content: string; user: string }[];
}

export interface SimCommitComment {
  id: number;
  commitId: string;
  body: string;
  user: string;
  createdAt: string;
  updatedAt: string;
  reactions: { content: string; user: string }[];
}

export interface SimIssue {
  number: number;
  title: string;
  body: string;
  user: string;
  state: 'open' | 'closed';
  assignees: string[];
  labels: string[];
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
}

export interface SimRepo {
  id: number;
  owner: string;
  name: string;
  private: boolean;
  defaultBranch: string;
  branches: Map<string, string>;
  /** Commit SHA -> path -> file content. */
  commits: Map<string, Map<string, string>>;
  pulls: Map<number, SimPull>;
  checkRuns: SimCheckRun[];
  statuses: SimStatus[];
  /** Each commit's (first) parent, null for the first commit: compare walks it. */
  parents: Map<string, string | null>;
  /** A merge commit's second parent: the head of the pull request it merged. */
  mergeParents: Map<string, string>;
  /** Commits whose signature GitHub verified; every other commit is `unsigned`. */
  verified: Map<string, { verified: boolean; reason: string }>;
  /** Comments on issues and pull requests (they share numbers). */
  comments: SimComment[];
  /** Comments on commits. */
  commitComments: SimCommitComment[];
  issues: Map<number, SimIssue>;
  collaborators: Map<string, Level | 'none'>;
  /**
   * Deployment protection rule reviews: run id -> answers; `at` is when the answer arrived
   * (`performance.now()` of the simulator's process).
   */
  gateReviews: { runId: number; environment: string; state: string; comment: string; at: number }[];
}

/** A job of a workflow run (`GET /repos/{o}/{r}/actions/jobs/{job_id}`, `workflow_job`). */
export interface SimJob {
  /** The job's id: also its check run's id, and `job.check_run_id` in the runner. */
  id: number;
  repoId: number;
  runId: number;
  runAttempt: number;
  /** The display name: `name:` or the job key, with matrix values, e.g. `deploy (eu)`. */
  name: string;
  workflowName: string;
  headSha: string;
  headBranch: string;
  status: 'queued' | 'in_progress' | 'completed';
  conclusion: string | null;
  startedAt: string;
  completedAt: string | null;
}

/** A workflow run attempt (`GET /repos/{o}/{r}/actions/runs/{run_id}`). */
export interface SimRun {
  id: number;
  repoId: number;
  attempt: number;
  /** The workflow file, e.g. `.github/workflows/deploy.yml`. */
  path: string;
  actor: string;
  triggeringActor: string;
  headSha: string;
  headBranch: string;
  event: string;
  /** The repository the run's commit came from, when not the run's own (a fork's pull request). */
  headRepo?: SimRepo;
  /** Environments whose jobs of this run wait on a protection rule (until it is answered). */
  waitingOn?: Set<string>;
}

export interface SimTeam {
  id: number;
  org: string;
  slug: string;
  members: Map<string, { state: 'active' | 'pending'; role: 'member' | 'maintainer' }>;
}

export interface SimToken {
  /** SHA-256 of the token: tokens are never kept in clear, here either. */
  hash: string;
  installationId: number;
  repositories: 'all' | number[];
  permissions: Permissions;
  expiresAt: number;
  revoked: boolean;
  /** How many times `DELETE /installation/token` succeeded for it (a second one answers 401). */
  revocations: number;
}

/** A user access token (`ghu_`) issued to a user through the app's web authorization flow. */
export interface SimUserToken {
  /** SHA-256 of the token, never the token. */
  hash: string;
  login: string;
  userId: number;
  /** The client id of the app the user authorized. */
  clientId: string;
  expiresAt: number;
  revoked: boolean;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** `length` random letters and digits, the alphabet of GitHub's tokens and client ids. */
export const randomAlnum = (length: number): string =>
  Array.from({ length }, () => ALNUM[randomInt(ALNUM.length)]).join('');

const sha = (text: string): string => createHash('sha1').update(text).digest('hex');

export class World {
  readonly users = new Map<string, SimUser>();
  readonly repos = new Map<string, SimRepo>();
  readonly teams = new Map<string, SimTeam>();
  readonly installations = new Map<number, SimInstallation>();
  readonly tokens = new Map<string, SimToken>();
  /** User access tokens by SHA-256 hash. */
  readonly userTokens = new Map<string, SimUserToken>();
  readonly jobs = new Map<number, SimJob>();
  /** Workflow runs by id (the latest attempt). */
  readonly runs = new Map<number, SimRun>();
  /** Every attempt of every run (`<id>:<attempt>`): a re-run keeps who started each attempt. */
  readonly runAttempts = new Map<string, SimRun>();
  /** Registrations from a manifest by their one-hour code (app-manifests.ts). */
  readonly manifestCodes = new Map<string, PendingManifest>();
  app: SimApp;
  #nextId = 1000;

  constructor() {
    this.app = this.createApp({});
  }

  nextId(): number {
    return ++this.#nextId;
  }

  /** A GitHub App with a fresh RSA key and client secret. Its permissions bound every installation token. */
  createApp(opts: {
    id?: number;
    slug?: string;
    permissions?: Permissions;
    events?: string[];
    clientId?: string;
    clientSecret?: string;
    callbackUrls?: string[];
    name?: string;
    owner?: string;
    webhookUrl?: string;
    webhookSecret?: string;
  }): SimApp {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.app = {
      id: opts.id ?? 4242,
      slug: opts.slug ?? 'jit-approvals',
      name: opts.name ?? 'jit-approvals',
      owner: opts.owner ?? 'acme',
      privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      publicKey,
      permissions: opts.permissions ?? {
        checks: 'write',
        contents: 'write',
        deployments: 'write',
        issues: 'write',
        metadata: 'read',
        pull_requests: 'read',
        statuses: 'read',
        actions: 'write',
        members: 'read',
      },
      events: opts.events ?? [
        'check_run',
        'push',
        'pull_request',
        'workflow_job',
        'workflow_run',
        'installation',
      ],
      clientId: opts.clientId ?? `Iv23li${randomAlnum(14)}`,
      clientSecret: opts.clientSecret ?? randomBytes(20).toString('hex'),
      ...(opts.callbackUrls ? { callbackUrls: opts.callbackUrls } : {}),
      ...(opts.webhookUrl ? { webhookUrl: opts.webhookUrl, webhookSecret: opts.webhookSecret } : {}),
    };
    return this.app;
  }

  addUser(login: string, type: SimUser['type'] = login.endsWith('[bot]') ? 'Bot' : 'User'): SimUser {
    const existing = this.users.get(login.toLowerCase());
    if (existing) return existing;
    const user = { id: this.nextId(), login, type };
    this.users.set(login.toLowerCase(), user);
    return user;
  }

  /**
   * An account renames itself: the same account (its id) under a new login, wherever GitHub shows
   * it (its team memberships, the runs it started or re-ran). The old login is free for anyone.
   */
  renameUser(from: string, to: string): SimUser {
    const user = this.users.get(from.toLowerCase());
    if (!user) throw new Error(`no user ${from} to rename`);
    if (this.users.has(to.toLowerCase())) throw new Error(`the login ${to} is taken`);
    this.users.delete(from.toLowerCase());
    user.login = to;
    this.users.set(to.toLowerCase(), user);
    for (const team of this.teams.values()) {
      const membership = team.members.get(from.toLowerCase());
      if (!membership) continue;
      team.members.delete(from.toLowerCase());
      team.members.set(to.toLowerCase(), membership);
    }
    for (const run of this.runs.values()) {
      if (run.actor.toLowerCase() === from.toLowerCase()) run.actor = to;
      if (run.triggeringActor.toLowerCase() === from.toLowerCase()) run.triggeringActor = to;
    }
    return user;
  }

  user(login: string): SimUser | undefined {
    return this.users.get(login.toLowerCase());
  }

  /** A repository whose default branch holds `files` in one commit. */
  addRepo(
    fullName: string,
    opts: { files?: Record<string, string>; defaultBranch?: string; private?: boolean } = {},
  ): SimRepo {
    const [owner, name] = fullName.split('/') as [string, string];
    this.addUser(owner, 'Organization');
    const repo: SimRepo = {
      id: this.nextId(),
      owner,
      name,
      private: opts.private ?? true,
      defaultBranch: opts.defaultBranch ?? 'main',
      branches: new Map(),
      commits: new Map(),
      pulls: new Map(),
      checkRuns: [],
      statuses: [],
      parents: new Map(),
      mergeParents: new Map(),
      verified: new Map(),
      comments: [],
      commitComments: [],
      issues: new Map(),
      collaborators: new Map(),
      gateReviews: [],
    };
    this.repos.set(fullName.toLowerCase(), repo);
    this.commit(repo, repo.defaultBranch, opts.files ?? { 'README.md': `# ${name}\n` });
    return repo;
  }

  repo(fullName: string): SimRepo | undefined {
    return this.repos.get(fullName.toLowerCase());
  }

  repoById(id: number): SimRepo | undefined {
    return [...this.repos.values()].find((r) => r.id === id);
  }

  /** A commit on `branch` that sets (or, with null, deletes) files; returns its SHA. */
  commit(repo: SimRepo, branch: string, changes: Record<string, string | null>): string {
    const parent = repo.branches.get(branch);
    const files = new Map(parent ? repo.commits.get(parent) : []);
    for (const [path, content] of Object.entries(changes)) {
      if (content === null) files.delete(path);
      else files.set(path, content);
    }
    const id = sha(`${repo.id}:${branch}:${parent ?? ''}:${JSON.stringify([...files])}:${this.nextId()}`);
    repo.commits.set(id, files);
    repo.parents.set(id, parent ?? null);
    repo.branches.set(branch, id);
    return id;
  }

  /** Opens a pull request from `head` (a new branch with `changes`) into the default branch. */
  openPull(
    repo: SimRepo,
    opts: { head: string; user: string; title?: string; changes?: Record<string, string | null> },
  ): SimPull {
    if (!repo.branches.has(opts.head)) repo.branches.set(opts.head, repo.branches.get(repo.defaultBranch)!);
    const changes = opts.changes ?? { [`${opts.head}.txt`]: opts.head };
    const headSha = this.commit(repo, opts.head, changes);
    this.addUser(opts.user);
    const pull: SimPull = {
      number: this.nextNumber(repo),
      title: opts.title ?? `Change from ${opts.head}`,
      user: opts.user,
      headRef: opts.head,
      headSha,
      baseRef: repo.defaultBranch,
      state: 'open',
      changes,
      reviews: [],
    };
    repo.pulls.set(pull.number, pull);
    return pull;
  }

  /**
   * Merges a pull request: a merge commit on the base branch, whose parents are the base's head and
   * the pull request's head, with the pull request's changes applied on top of the base; returns its SHA.
   */
  mergePull(repo: SimRepo, pull: SimPull, opts: { mergedBy?: string } = {}): string {
    const sha = this.commit(repo, pull.baseRef, pull.changes ?? {});
    repo.mergeParents.set(sha, pull.headSha);
    this.addUser(opts.mergedBy ?? repo.owner);
    pull.state = 'closed';
    pull.merged = {
      sha,
      at: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      by: opts.mergedBy ?? repo.owner,
    };
    return sha;
  }

  /** A review of a pull request, submitted now (on its head commit unless told). */
  addReview(
    repo: SimRepo,
    pull: SimPull,
    opts: { user: string; state: SimReview['state']; commitId?: string },
  ): SimReview {
    this.addUser(opts.user);
    const review: SimReview = {
      id: this.nextId(),
      user: opts.user,
      state: opts.state,
      commitId: opts.commitId ?? pull.headSha,
      submittedAt: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    };
    (pull.reviews ??= []).push(review);
    return review;
  }

  /** Dismisses a review: GitHub keeps it, with state DISMISSED. */
  dismissReview(_repo: SimRepo, pull: SimPull, id: number): void {
    const review = pull.reviews?.find((r) => r.id === id);
    if (!review) throw new Error(`no review ${id} on #${pull.number}`);
    review.state = 'DISMISSED';
  }

  /** A check run of another app (GitHub Actions unless told) on a commit: a CI job. */
  addCheckRunFor(
    repo: SimRepo,
    sha: string,
    opts: {
      name: string;
      status?: 'queued' | 'in_progress' | 'completed';
      conclusion?: string | null;
      appId?: number;
    },
  ): SimCheckRun {
    const stamp = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const run: SimCheckRun = {
      id: this.nextId(),
      repoId: repo.id,
      appId: opts.appId ?? ACTIONS_APP_ID,
      name: opts.name,
      head_sha: sha,
      status: opts.conclusion ? 'completed' : (opts.status ?? 'queued'),
      conclusion: opts.conclusion ?? null,
      checkSuiteId: this.suiteFor(repo, opts.appId ?? ACTIONS_APP_ID, sha),
      started_at: stamp,
      completed_at: opts.conclusion ? stamp : null,
      external_id: null,
      details_url: null,
      output: { title: null, summary: null, text: null, annotations: [] },
      actions: [],
    };
    repo.checkRuns.push(run);
    return run;
  }

  /**
   * The check suite of an app's check runs on a commit: one per app and commit (GitHub's rule for
   * apps other than Actions, whose suites are workflow runs: a job's suite is its run's).
   */
  suiteFor(repo: SimRepo, appId: number, sha: string): number {
    const sibling = repo.checkRuns.find((r) => r.appId === appId && r.head_sha === sha && r.checkSuiteId);
    return sibling?.checkSuiteId ?? 2_000_000_000 + this.nextId();
  }

  /** A check run finishes with `conclusion`. */
  completeCheckRun(run: SimCheckRun, conclusion: string): void {
    run.status = 'completed';
    run.conclusion = conclusion;
    run.completed_at = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  /** A commit status (a later one of the same context replaces it in the combined status). */
  setStatus(
    repo: SimRepo,
    sha: string,
    opts: { context: string; state: SimStatus['state']; description?: string; creator?: string },
  ): SimStatus {
    const status: SimStatus = {
      id: this.nextId(),
      sha,
      context: opts.context,
      state: opts.state,
      description: opts.description ?? null,
      creator: this.addUser(opts.creator ?? 'ci-bot').login,
      createdAt: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    };
    repo.statuses.push(status);
    return status;
  }

  /** Whether GitHub verified a commit's signature (default: unsigned, not verified). */
  setVerification(repo: SimRepo, sha: string, v: { verified: boolean; reason?: string }): void {
    repo.verified.set(sha, { verified: v.verified, reason: v.reason ?? (v.verified ? 'valid' : 'unsigned') });
  }

  /** The next issue or pull request number of a repository (they share one sequence). */
  nextNumber(repo: SimRepo): number {
    return Math.max(0, ...repo.pulls.keys(), ...repo.issues.keys()) + 1;
  }

  /** Installs the app on an account, for all its repositories or some. */
  install(
    account: string,
    opts: { repositories?: SimRepo[]; permissions?: Permissions } = {},
  ): SimInstallation {
    this.addUser(account, 'Organization');
    const installation: SimInstallation = {
      id: this.nextId(),
      account,
      repositories: opts.repositories ? opts.repositories.map((r) => r.id) : 'all',
      permissions: opts.permissions ?? { ...this.app.permissions },
    };
    this.installations.set(installation.id, installation);
    return installation;
  }

  installationFor(repo: SimRepo): SimInstallation | undefined {
    return [...this.installations.values()].find(
      (i) =>
        i.account.toLowerCase() === repo.owner.toLowerCase() &&
        (i.repositories === 'all' || i.repositories.includes(repo.id)),
    );
  }

  /** A job of a run in `repo`, in progress unless told otherwise. */
  addJob(
    repo: SimRepo,
    opts: {
      runId: number;
      runAttempt?: number;
      name: string;
      workflowName?: string;
      headSha?: string;
      status?: SimJob['status'];
    },
  ): SimJob {
    const stamp = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const job: SimJob = {
      id: this.nextId(),
      repoId: repo.id,
      runId: opts.runId,
      runAttempt: opts.runAttempt ?? 1,
      name: opts.name,
      workflowName: opts.workflowName ?? 'deploy',
      headSha: opts.headSha ?? repo.branches.get(repo.defaultBranch)!,
      headBranch: repo.defaultBranch,
      status: opts.status ?? 'in_progress',
      conclusion: null,
      startedAt: stamp,
      completedAt: null,
    };
    this.jobs.set(job.id, job);
    return job;
  }

  /** A workflow run of `repo` (its latest attempt), on the default branch's head unless told. */
  addRun(
    repo: SimRepo,
    opts: {
      id: number;
      attempt?: number;
      path?: string;
      actor: string;
      triggeringActor?: string;
      headSha?: string;
      event?: string;
      /** A fork's pull request: the head repository, and its branch. */
      headRepo?: SimRepo;
      headBranch?: string;
    },
  ): SimRun {
    this.addUser(opts.actor);
    if (opts.triggeringActor) this.addUser(opts.triggeringActor);
    const run: SimRun = {
      id: opts.id,
      repoId: repo.id,
      attempt: opts.attempt ?? 1,
      path: opts.path ?? '.github/workflows/deploy.yml',
      actor: opts.actor,
      triggeringActor: opts.triggeringActor ?? opts.actor,
      headSha: opts.headSha ?? repo.branches.get(repo.defaultBranch)!,
      headBranch: opts.headBranch ?? repo.defaultBranch,
      event: opts.event ?? 'push',
      ...(opts.headRepo && { headRepo: opts.headRepo }),
    };
    this.runs.set(run.id, run);
    this.runAttempts.set(`${run.id}:${run.attempt}`, run);
    return run;
  }

  /** A team with active members and pending invitations. */
  addTeam(
    orgSlug: string,
    members: { active?: string[]; pending?: string[]; maintainers?: string[] } = {},
  ): SimTeam {
    const [org, slug] = orgSlug.split('/') as [string, string];
    this.addUser(org, 'Organization');
    const team: SimTeam = { id: this.nextId(), org, slug, members: new Map() };
    for (const login of members.active ?? [])
      team.members.set(login.toLowerCase(), { state: 'active', role: 'member' });
    for (const login of members.maintainers ?? [])
      team.members.set(login.toLowerCase(), { state: 'active', role: 'maintainer' });
    for (const login of members.pending ?? [])
      team.members.set(login.toLowerCase(), { state: 'pending', role: 'member' });
    for (const login of [
      ...(members.active ?? []),
      ...(members.maintainers ?? []),
      ...(members.pending ?? []),
    ])
      this.addUser(login);
    this.teams.set(orgSlug.toLowerCase(), team);
    return team;
  }
}
