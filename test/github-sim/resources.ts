// GitHub's resource objects for the simulator's state, built to GitHub's published schemas.
import { createHash } from 'node:crypto';
import type { Synthesizer } from './synthesize.ts';
import type { SimCheckRun, SimPull, SimRepo, SimUser, World } from './world.ts';

type Json = Record<string, unknown>;

export interface Resources {
  world: World;
  synth: Synthesizer;
  baseUrl: string;
}

/** Git's blob SHA of a file's content. */
export const blobSha = (content: string): string =>
  createHash('sha1')
    .update(`blob ${Buffer.byteLength(content)}\0${content}`)
    .digest('hex');

export const nodeId = (kind: string, id: number): string => Buffer.from(`${kind}:${id}`).toString('base64');

export function simpleUser(r: Resources, user: SimUser): Json {
  const url = `${r.baseUrl}/users/${encodeURIComponent(user.login)}`;
  // An app's bot user is `slug[bot]`; GitHub links it to the app's page.
  const bot = /^(.+)\[bot\]$/.exec(user.login)?.[1];
  return r.synth.build('simple-user', {
    login: user.login,
    id: user.id,
    node_id: nodeId('User', user.id),
    type: user.type,
    url,
    html_url: bot ? `https://github.com/apps/${bot}` : `https://github.com/${user.login}`,
    site_admin: false,
  });
}

export function userOf(r: Resources, login: string): Json {
  return simpleUser(r, r.world.addUser(login));
}

function repoValues(r: Resources, repo: SimRepo): Json {
  const full = `${repo.owner}/${repo.name}`;
  return {
    id: repo.id,
    node_id: nodeId('Repository', repo.id),
    name: repo.name,
    full_name: full,
    owner: userOf(r, repo.owner),
    private: repo.private,
    visibility: repo.private ? 'private' : 'public',
    html_url: `https://github.com/${full}`,
    url: `${r.baseUrl}/repos/${full}`,
    default_branch: repo.defaultBranch,
    fork: false,
    archived: false,
    disabled: false,
  };
}

export const repository = (r: Resources, repo: SimRepo, schema = 'repository'): Json =>
  r.synth.build(schema, repoValues(r, repo));

export function checkRun(r: Resources, repo: SimRepo, run: SimCheckRun): Json {
  const url = `${r.baseUrl}/repos/${repo.owner}/${repo.name}/check-runs/${run.id}`;
  return r.synth.build('check-run', {
    id: run.id,
    node_id: nodeId('CheckRun', run.id),
    head_sha: run.head_sha,
    external_id: run.external_id,
    url,
    html_url: `https://github.com/${repo.owner}/${repo.name}/runs/${run.id}`,
    details_url: run.details_url,
    status: run.status,
    conclusion: run.conclusion,
    started_at: run.started_at,
    completed_at: run.completed_at,
    output: {
      title: run.output.title,
      summary: run.output.summary,
      text: run.output.text,
      annotations_count: run.output.annotations.length,
      annotations_url: `${url}/annotations`,
    },
    name: run.name,
    check_suite: { id: run.checkSuiteId ?? run.id },
    app: appOf(r, run.appId),
    pull_requests: [],
  });
}

/** An app as check runs and suites name it: the world's own, or another (GitHub Actions, a CI service). */
export function appOf(r: Resources, id: number): Json {
  const app = r.world.app;
  if (id !== app.id) return otherApp(r, id);
  return r.synth.build('integration', {
    id: app.id,
    slug: app.slug,
    node_id: nodeId('App', app.id),
    name: app.name,
    owner: userOf(r, app.owner),
    permissions: app.permissions,
    events: app.events,
  });
}

/** Another app than the world's (GitHub Actions, a CI service), as a check run names it. */
function otherApp(r: Resources, id: number): Json {
  const actions = id === 15368;
  return r.synth.build('integration', {
    id,
    slug: actions ? 'github-actions' : `ci-${id}`,
    node_id: nodeId('App', id),
    name: actions ? 'GitHub Actions' : `CI ${id}`,
    owner: userOf(r, r.world.addUser(actions ? 'github' : 'acme-ci', 'Organization').login),
    permissions: { checks: 'write', metadata: 'read' },
    events: [],
  });
}

export function pullRequest(r: Resources, repo: SimRepo, pull: SimPull, schema = 'pull-request'): Json {
  const full = `${repo.owner}/${repo.name}`;
  const url = `${r.baseUrl}/repos/${full}/pulls/${pull.number}`;
  const branch = (ref: string, sha: string): Json => ({
    label: `${repo.owner}:${ref}`,
    ref,
    sha,
    user: userOf(r, repo.owner),
    repo: repository(r, repo),
  });
  return r.synth.build(schema, {
    id: repo.id * 1000 + pull.number,
    node_id: nodeId('PullRequest', repo.id * 1000 + pull.number),
    number: pull.number,
    url,
    html_url: `https://github.com/${full}/pull/${pull.number}`,
    state: pull.state,
    title: pull.title,
    user: userOf(r, pull.user),
    head: branch(pull.headRef, pull.headSha),
    base: branch(pull.baseRef, repo.branches.get(pull.baseRef) ?? ''),
    merged: pull.merged !== undefined,
    merged_at: pull.merged?.at ?? null,
    merge_commit_sha: pull.merged?.sha ?? null,
    ...(pull.merged && { merged_by: userOf(r, pull.merged.by) }),
    draft: false,
  });
}
