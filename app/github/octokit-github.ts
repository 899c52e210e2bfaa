import type { Probot } from 'probot';
import type { Thread } from '../domain/thread.ts';
import type { Metrics } from '../metrics.ts';
import type { LoadResult } from '../policy/load.ts';
import type { Level } from '../policy/permissions.ts';
import { FilesAtCommits } from './files-at-commits.ts';
import { Installations } from './installations.ts';
import { MandatoryOrgWatch } from './mandatory-orgs.ts';
import type { OctokitGitHubOptions } from './octokit-options.ts';
import { PolicyLoading } from './policy-loading.ts';
import type { CheckRunInput, GitHubPort, RepoRef } from './port.ts';
import { RecentAnswers } from './recent-answers.ts';
import * as checks from './rest/checks.ts';
import * as conversation from './rest/conversation.ts';
import * as evidence from './rest/evidence.ts';
import * as people from './rest/people.ts';
import * as runs from './rest/runs.ts';
import * as tokens from './rest/tokens.ts';

export type { OctokitGitHubOptions } from './octokit-options.ts';

/** Membership answers kept at most (per user, team and installation; the oldest go first). */
const MEMBERSHIPS_KEPT = 10_000;
/** Answers about commits kept at most (comparisons and verifications; the oldest go first). */
const COMMITS_KEPT = 2_000;

/**
 * The GitHub port over Probot's authenticated Octokit clients: installations and their caches
 * (installations.ts), policy loading (policy-loading.ts), and the REST calls (rest/), each made
 * through one wrapper that counts it and turns GitHub's failures into the app's (errors.ts).
 */
export class OctokitGitHub implements GitHubPort {
  readonly #installations: Installations;
  readonly #policies: PolicyLoading;
  readonly #files = new FilesAtCommits();
  readonly #memberships: RecentAnswers<boolean>;
  /** Answers about commits that never change (a comparison of two commits, a verification). */
  readonly #commits: RecentAnswers<unknown>;
  readonly #baseUrl: string;
  readonly #metrics: Metrics;
  readonly #timeoutMs: number;
  readonly #now: () => number;
  readonly #appId: number;

  constructor(app: Probot, baseUrl: string, metrics: Metrics, o: OctokitGitHubOptions) {
    const now = o.now ?? Date.now;
    this.#now = now;
    this.#baseUrl = baseUrl;
    this.#metrics = metrics;
    this.#timeoutMs = o.timeoutMs;
    this.#appId = o.appId ?? 0;
    this.#installations = new Installations(app, metrics, {
      now,
      notInstalledCacheMs: o.notInstalledCacheMs ?? 10_000,
    });
    const mandatory = o.mandatoryOrgs ?? new MandatoryOrgWatch({ logins: new Set(), ids: new Set() });
    this.#policies = new PolicyLoading(this.#installations, mandatory, {
      now,
      maxAgeMs: o.policyMaxAgeMs ?? 0,
    });
    this.#commits = new RecentAnswers({ maxAgeMs: Number.POSITIVE_INFINITY, maxKept: COMMITS_KEPT, now });
    this.#memberships = new RecentAnswers({
      maxAgeMs: o.membershipCacheMs ?? 60_000,
      maxKept: MEMBERSHIPS_KEPT,
      now,
    });
  }

  #kit(installationId: number) {
    return this.#installations.kit(installationId);
  }

  installationFor(owner: string, repo: string) {
    return this.#installations.installationFor(owner, repo);
  }

  installationPermissions(owner: string, repo: string) {
    return this.#installations.permissions(owner, repo);
  }

  repositoryId(installationId: number, owner: string, repo: string, opts?: { fresh?: boolean }) {
    return this.#installations.repositoryId(installationId, owner, repo, opts);
  }

  listInstallations(maxPages?: number) {
    return this.#installations.list(maxPages);
  }

  loadPolicies(installationId: number, owner: string, repo: string, ownerId?: number) {
    return this.#policies.load(installationId, owner, repo, ownerId);
  }

  readOrgPolicies(installationId: number, owner: string): Promise<LoadResult | null> {
    return this.#policies.readOrg(installationId, owner);
  }

  validatePoliciesAt(
    installationId: number,
    owner: string,
    repo: string,
    ref: string,
    opts?: { unlessAsOnDefault?: boolean },
  ) {
    return this.#policies.at(installationId, owner, repo, ref, opts);
  }

  invalidatePolicies(owner: string, repo: string): void {
    this.#policies.invalidate(owner, repo);
  }

  async pullRequestHead(installationId: number, owner: string, repo: string, number: number) {
    return runs.pullRequestHead(await this.#kit(installationId), { owner, repo }, number);
  }

  async getJob(installationId: number, owner: string, repo: string, jobId: number) {
    return runs.getJob(await this.#kit(installationId), { owner, repo }, jobId);
  }

  async getRun(installationId: number, owner: string, repo: string, runId: number) {
    return runs.getRun(await this.#kit(installationId), { owner, repo }, runId);
  }

  async getRunAttempt(installationId: number, owner: string, repo: string, runId: number, attempt: number) {
    return runs.getRunAttempt(await this.#kit(installationId), { owner, repo }, runId, attempt);
  }

  async reviewGate(
    installationId: number,
    owner: string,
    repo: string,
    runId: number,
    answer: { environment: string; state: 'approved' | 'rejected'; comment: string },
  ) {
    await runs.reviewGate(await this.#kit(installationId), { owner, repo }, runId, answer);
  }

  async gateWaiting(installationId: number, owner: string, repo: string, runId: number, environment: string) {
    return runs.gateWaiting(await this.#kit(installationId), { owner, repo }, runId, environment);
  }

  async fileAt(installationId: number, owner: string, repo: string, path: string, ref: string) {
    return this.#files.read(await this.#kit(installationId), installationId, owner, repo, path, ref);
  }

  async canWrite(installationId: number, owner: string, repo: string, login: string) {
    return people.canWrite(await this.#kit(installationId), { owner, repo }, login);
  }

  async canRead(installationId: number, owner: string, repo: string, login: string) {
    return people.canRead(await this.#kit(installationId), { owner, repo }, login);
  }

  async userId(installationId: number, login: string) {
    return people.userId(await this.#kit(installationId), login);
  }

  async loginOf(installationId: number, id: number) {
    return people.loginOf(await this.#kit(installationId), id);
  }

  isActiveMember(
    installationId: number,
    team: string,
    login: string,
    { cached = false } = {},
  ): Promise<boolean> {
    const ask = async () => people.isActiveMember(await this.#kit(installationId), team, login);
    if (!cached) return ask();
    return this.#memberships.get(`${installationId} ${team.toLowerCase()} ${login.toLowerCase()}`, ask);
  }

  async commitChecks(installationId: number, at: RepoRef, sha: string, excludeSuite: number | null) {
    const excluded = { appId: this.#appId, checkSuiteId: excludeSuite };
    return evidence.commitChecks(await this.#kit(installationId), at, sha, excluded);
  }

  async mergedPullOf(installationId: number, at: RepoRef, sha: string, baseBranch: string | null) {
    return evidence.mergedPullOf(await this.#kit(installationId), at, sha, baseBranch);
  }

  compareCommits(installationId: number, at: RepoRef, base: string, head: string) {
    const key = `compare ${at.owner}/${at.repo} ${base}...${head}`.toLowerCase();
    const ask = async () => evidence.compareCommits(await this.#kit(installationId), at, base, head);
    return this.#commits.get(key, ask) as ReturnType<typeof ask>;
  }

  commitVerified(installationId: number, at: RepoRef, sha: string) {
    const key = `verified ${at.owner}/${at.repo} ${sha}`.toLowerCase();
    const ask = async () => evidence.commitVerified(await this.#kit(installationId), at, sha);
    return this.#commits.get(key, ask) as ReturnType<typeof ask>;
  }

  async createCheckRun(
    installationId: number,
    owner: string,
    repo: string,
    headSha: string,
    input: CheckRunInput,
  ) {
    return checks.createCheckRun(await this.#kit(installationId), { owner, repo }, headSha, input, this.#now);
  }

  async updateCheckRun(
    installationId: number,
    owner: string,
    repo: string,
    id: number,
    input: CheckRunInput,
    opts: { lane?: 'low' } = {},
  ) {
    await checks.updateCheckRun(await this.#kit(installationId), { owner, repo }, id, input, opts.lane);
  }

  async findCheckRun(
    installationId: number,
    owner: string,
    repo: string,
    headSha: string,
    externalId: string,
  ) {
    const kit = await this.#kit(installationId);
    return checks.findCheckRun(kit, { owner, repo }, headSha, externalId, this.#appId, this.#now);
  }

  async postComment(
    installationId: number,
    owner: string,
    repo: string,
    on: Thread,
    body: string,
    opts: { lane?: 'low' } = {},
  ) {
    return conversation.postComment(await this.#kit(installationId), { owner, repo }, on, body, opts.lane);
  }

  async editComment(
    installationId: number,
    owner: string,
    repo: string,
    on: Thread,
    id: number,
    body: string,
  ) {
    await conversation.editComment(await this.#kit(installationId), { owner, repo }, on, id, body);
  }

  async findComment(installationId: number, owner: string, repo: string, on: Thread, ending: string) {
    return conversation.findComment(await this.#kit(installationId), { owner, repo }, on, ending);
  }

  async react(installationId: number, owner: string, repo: string, on: Thread, id: number, content: string) {
    await conversation.react(await this.#kit(installationId), { owner, repo }, on, id, content);
  }

  async openIssue(
    installationId: number,
    owner: string,
    repo: string,
    issue: { title: string; body: string; assignees: string[]; labels?: string[] },
  ) {
    return conversation.openIssue(await this.#kit(installationId), { owner, repo }, issue);
  }

  async updateIssue(
    installationId: number,
    owner: string,
    repo: string,
    number: number,
    change: { body?: string; state?: 'open' | 'closed' },
  ) {
    await conversation.updateIssue(await this.#kit(installationId), { owner, repo }, number, change);
  }

  async findIssue(installationId: number, owner: string, repo: string, ending: string) {
    return conversation.findIssue(await this.#kit(installationId), { owner, repo }, ending);
  }

  async mintToken(installationId: number, repositoryId: number, permissions: Record<string, Level>) {
    return tokens.mintToken(await this.#installations.asApp(), installationId, repositoryId, permissions);
  }

  async revokeToken(token: string): Promise<void> {
    await tokens.revokeToken(token, {
      baseUrl: this.#baseUrl,
      timeoutMs: this.#timeoutMs,
      metrics: this.#metrics,
    });
  }

  async ping(timeoutMs?: number): Promise<void> {
    await tokens.ping(await this.#installations.asApp(), timeoutMs);
  }
}
