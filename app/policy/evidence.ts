// Live evidence about a request's commit, as the engine sees it: read by the app from GitHub (or
// written in a request or test file for the CLI), and judged here without I/O.
import { formatDuration } from './duration.ts';
import { compileGlobs, type Matcher } from './glob.ts';
import { actorsOf, type ApprovalRequest } from './request.ts';
import type { AutoApprove } from './types.generated.ts';

/** The kinds of evidence an `auto_approve` entry may require, and so the reads it costs. */
export type SignalKind = 'checks' | 'pull_request' | 'changes' | 'verified_commit';
export const SIGNAL_KINDS: readonly SignalKind[] = ['checks', 'pull_request', 'changes', 'verified_commit'];

/** The permissions the app's installation needs (read or more) to read each kind of evidence. */
export const SIGNAL_PERMISSIONS: Readonly<Record<SignalKind, readonly string[]>> = {
  checks: ['checks', 'statuses'],
  pull_request: ['pull_requests'],
  changes: ['contents'],
  verified_commit: ['contents'],
};

/** A signal as read: its value, or why it could not be read (which never approves). */
export type Read<T> = { ok: true; value: T } | { ok: false; error: string };

/** One check run or commit status on the commit (the app's own and the asking run's left out). */
export interface CheckResult {
  name: string;
  /** `success` (also neutral and skipped), `pending` (queued, in progress), `failure` (anything else). */
  state: 'success' | 'pending' | 'failure';
  /** GitHub's conclusion or status state, for messages, e.g. `timed_out`. */
  conclusion?: string | null;
  /** Who reported it: the app's slug for a check run (`github-actions`), `statuses` for a commit status. */
  source?: string;
}

/** A reviewer whose last review before the merge approved (never a dismissed one). */
export interface Reviewer {
  login: string;
  id?: number;
  /** Of the teams the policies name in `pull_request.teams`, those the reviewer is an active member of. */
  teams?: readonly string[];
}

/** The merged pull request through which the commit reached the ref. */
export interface PullEvidence {
  number: number;
  author: string;
  author_id?: number;
  approvals: readonly Reviewer[];
}

/** What changed since the last commit a policy approved for the same action and environment. */
export interface Comparison {
  /** That commit. */
  base: string;
  files: readonly { path: string; lines: number }[];
}

/**
 * Evidence about the request's commit. A kind left out was not read (no entry needs it): an entry
 * that needs it does not match. `changes` is per policy (its last approved commit), `*` for all.
 */
export interface Signals {
  checks?: Read<readonly CheckResult[]>;
  /** null: the commit did not reach the ref through a merged pull request. */
  pull_request?: Read<PullEvidence | null>;
  /** null: the policy approved nothing before for this action and environment. */
  changes?: Readonly<Record<string, Read<Comparison | null>>>;
  verified_commit?: Read<boolean>;
}

/** What one evidence key found: it holds (with what it saw), it does not (why), or checks still run. */
export type Finding =
  | { held: true; kind: SignalKind; shown: string }
  | { held: false; kind: SignalKind; why: string }
  | { held: 'waiting'; kind: 'checks'; pending: string[] };

export type EvidenceTest = (request: ApprovalRequest, signals: Signals, policy: string) => Finding;

export const DEFAULT_CHECKS_TIMEOUT_SECONDS = 1_800;

/** An `auto_approve` entry's evidence keys, compiled. */
export interface CompiledEvidence {
  tests: readonly EvidenceTest[];
  needs: readonly SignalKind[];
  /** Teams named by `pull_request.teams` (the reader reports reviewers' membership of these). */
  teams: readonly string[];
  /** How long the entry waits for running checks (`checks_timeout`). */
  checksTimeoutSeconds: number;
}

const readError = (kind: string, error: string) => `${kind} could not be read (${error})`;

/** The evidence keys of entry `c`, as tests. `checksTimeoutSeconds` is already checked. */
export function compileEvidence(c: AutoApprove, checksTimeoutSeconds: number): CompiledEvidence {
  const tests: EvidenceTest[] = [];
  const needs = new Set<SignalKind>();
  if (c.checks !== undefined) {
    needs.add('checks');
    tests.push(checksTest(c.checks === true ? null : c.checks, checksTimeoutSeconds, c.checks_from ?? null));
  }
  if (c.pull_request) {
    needs.add('pull_request');
    tests.push(pullTest(c.pull_request.approvals ?? 1, c.pull_request.teams ?? null));
  }
  if (c.changed_paths || c.changes) {
    needs.add('changes');
    tests.push(changesTest(c.changed_paths ?? null, c.changes ?? null));
  }
  if (c.verified_commit) {
    needs.add('verified_commit');
    tests.push((_r, s) => {
      const v = s.verified_commit;
      if (!v)
        return {
          held: false,
          kind: 'verified_commit',
          why: 'no evidence of commit verification (signals.verified_commit)',
        };
      if (!v.ok)
        return { held: false, kind: 'verified_commit', why: readError('commit verification', v.error) };
      return v.value
        ? { held: true, kind: 'verified_commit', shown: 'signed commit verified' }
        : { held: false, kind: 'verified_commit', why: 'the commit is not verified by GitHub' };
    });
  }
  return { tests, needs: [...needs], teams: c.pull_request?.teams ?? [], checksTimeoutSeconds };
}

const list = (names: readonly string[], max = 5): string =>
  names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')} and ${names.length - max} more`;

function checksTest(
  patterns: readonly string[] | null,
  timeoutSeconds: number,
  from: readonly string[] | null,
): EvidenceTest {
  const matchers: [string, Matcher][] = (patterns ?? []).map((p) => [p, compileGlobs([p])]);
  const sources = from === null ? null : new Set(from);
  return (request, s) => {
    const read = s.checks;
    if (!read) return { held: false, kind: 'checks', why: 'no evidence of checks (signals.checks)' };
    if (!read.ok) return { held: false, kind: 'checks', why: readError('checks', read.error) };
    // With `checks_from`, a check of any other source is as if it were not there.
    const c = {
      value:
        sources === null ? read.value : read.value.filter((x) => sources.has(x.source ?? 'github-actions')),
    };
    const considered =
      patterns === null ? c.value : c.value.filter((x) => matchers.some(([, m]) => m(x.name)));
    if (patterns !== null) {
      const missing = matchers.filter(([, m]) => !c.value.some((x) => m(x.name))).map(([p]) => p);
      if (missing.length > 0)
        return {
          held: false,
          kind: 'checks',
          why: `no check on the commit${sources ? ` from ${[...sources].join(', ')}` : ''} is named ${missing.map((p) => `"${p}"`).join(', ')}`,
        };
    }
    if (considered.length === 0)
      return { held: false, kind: 'checks', why: "no checks on the commit besides this run's own jobs" };
    const failed = considered.filter((x) => x.state === 'failure');
    if (failed.length > 0)
      return {
        held: false,
        kind: 'checks',
        why: `check ${list(failed.map((x) => `"${x.name}" (${x.conclusion ?? 'failure'})`))} did not pass`,
      };
    const pending = considered.filter((x) => x.state === 'pending').map((x) => x.name);
    if (pending.length > 0) {
      if ((request.waited_seconds ?? 0) >= timeoutSeconds)
        return {
          held: false,
          kind: 'checks',
          why: `check ${list(pending.map((n) => `"${n}"`))} still running after ${formatDuration(timeoutSeconds)} (checks_timeout)`,
        };
      return { held: 'waiting', kind: 'checks', pending };
    }
    return { held: true, kind: 'checks', shown: `CI green (${list(considered.map((x) => x.name))})` };
  };
}

function pullTest(required: number, teams: readonly string[] | null): EvidenceTest {
  return (request, s) => {
    const p = s.pull_request;
    if (!p)
      return {
        held: false,
        kind: 'pull_request',
        why: 'no evidence of a pull request (signals.pull_request)',
      };
    if (!p.ok) return { held: false, kind: 'pull_request', why: readError('the pull request', p.error) };
    if (p.value === null)
      return {
        held: false,
        kind: 'pull_request',
        why: 'the commit did not reach the ref through a merged pull request',
      };
    const pr = p.value;
    const actors = actorsOf(request);
    const same = (a: { login: string; id?: number }, b: { login: string; id?: number }) =>
      a.id !== undefined && b.id !== undefined
        ? a.id === b.id
        : a.login.toLowerCase() === b.login.toLowerCase();
    const author = { login: pr.author, ...(pr.author_id !== undefined && { id: pr.author_id }) };
    const isActor = (r: Reviewer) =>
      r.id !== undefined && actors.ids.length > 0
        ? actors.ids.includes(r.id)
        : actors.logins.some((l) => l.toLowerCase() === r.login.toLowerCase());
    const counted = pr.approvals.filter(
      (r) => !same(r, author) && !isActor(r) && (teams === null || teams.some((t) => r.teams?.includes(t))),
    );
    const distinct = [...new Map(counted.map((r) => [r.id ?? r.login.toLowerCase(), r])).values()];
    const who = distinct.map((r) => `@${r.login}`);
    const of = teams === null ? '' : ` of ${teams.map((t) => `@${t}`).join(', ')}`;
    if (distinct.length < required)
      return {
        held: false,
        kind: 'pull_request',
        why: `PR #${pr.number} has ${distinct.length} approving review${distinct.length === 1 ? '' : 's'}${of} by others than its author and the actor${who.length ? ` (${who.join(', ')})` : ''}, ${required} needed`,
      };
    return { held: true, kind: 'pull_request', shown: `PR #${pr.number} approved by ${who.join(', ')}` };
  };
}

function changesTest(
  paths: readonly string[] | null,
  limits: { files?: number; lines?: number } | null,
): EvidenceTest {
  const inPaths = paths ? compileGlobs(paths) : null;
  return (_request, s, policy) => {
    const c = s.changes?.[policy] ?? s.changes?.['*'];
    if (!c)
      return {
        held: false,
        kind: 'changes',
        why: 'no evidence of the changes since the last approval (signals.changes)',
      };
    if (!c.ok)
      return { held: false, kind: 'changes', why: readError('the changes since the last approval', c.error) };
    if (c.value === null)
      return {
        held: false,
        kind: 'changes',
        why: `policy "${policy}" approved no earlier commit for this action and environment to compare with`,
      };
    const { files, base } = c.value;
    const lines = files.reduce((n, f) => n + f.lines, 0);
    const since = `since ${base.slice(0, 7)}`;
    if (inPaths) {
      const outside = files.filter((f) => !inPaths(f.path)).map((f) => f.path);
      if (outside.length > 0)
        return {
          held: false,
          kind: 'changes',
          why: `${outside.length} file${outside.length === 1 ? '' : 's'} changed ${since} outside ${paths!.join(', ')}: ${list(outside, 3)}`,
        };
    }
    if (limits?.files !== undefined && files.length > limits.files)
      return {
        held: false,
        kind: 'changes',
        why: `${files.length} files changed ${since}, at most ${limits.files} allowed`,
      };
    if (limits?.lines !== undefined && lines > limits.lines)
      return {
        held: false,
        kind: 'changes',
        why: `${lines} lines changed ${since}, at most ${limits.lines} allowed`,
      };
    const shown = `${files.length} file${files.length === 1 ? '' : 's'}, ${lines} line${lines === 1 ? '' : 's'} changed ${since}${paths ? ` under ${paths.join(', ')}` : ''}`;
    return { held: true, kind: 'changes', shown };
  };
}
