import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/rest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GitHubSimulator } from './server.ts';
import type { SimRepo } from './world.ts';

let sim: GitHubSimulator;
let repo: SimRepo;
let installationId: number;

/** An Octokit authenticated as the app (JWT), as Probot's would be. */
const appOctokit = (): Octokit =>
  new Octokit({
    baseUrl: sim.url,
    authStrategy: createAppAuth,
    auth: { appId: sim.world.app.id, privateKey: sim.world.app.privateKey },
    request: { retries: 0 },
  });

async function installationOctokit(
  options: { repositories?: string[]; permissions?: Record<string, string> } = {},
): Promise<{ octokit: Octokit; token: string }> {
  const { data } = await appOctokit().apps.createInstallationAccessToken({
    installation_id: installationId,
    ...options,
  } as never);
  return { octokit: new Octokit({ baseUrl: sim.url, auth: data.token }), token: data.token };
}

beforeEach(async () => {
  sim = new GitHubSimulator();
  await sim.start();
  repo = sim.world.addRepo('acme/shop', {
    files: {
      '.approvals/deploy.yml': 'version: 1\n',
      '.approvals/tests/a.yml': 'tests: []\n',
      'README.md': '# shop\n',
    },
  });
  sim.world.addRepo('acme/other');
  installationId = sim.world.install('acme').id;
});

afterEach(async () => {
  await sim.stop();
  sim.assertNoViolations();
});

describe('the app (JWT) routes', () => {
  it('finds the installation of a repository and mints a scoped token', async () => {
    const app = appOctokit();
    const { data: inst } = await app.apps.getRepoInstallation({ owner: 'acme', repo: 'shop' });
    expect(inst.id).toBe(installationId);
    const { data } = await app.apps.createInstallationAccessToken({
      installation_id: inst.id,
      repositories: ['shop'],
      permissions: { contents: 'read', checks: 'write' },
    });
    expect(data.token.length).toBeGreaterThan(100);
    expect(data.permissions).toEqual({ contents: 'read', checks: 'write', metadata: 'read' }); // GitHub adds metadata: read
    expect(data.repositories?.map((r) => r.full_name)).toEqual(['acme/shop']);
  });

  it('refuses permissions beyond what the installation holds with 422', async () => {
    await expect(
      appOctokit().apps.createInstallationAccessToken({
        installation_id: installationId,
        permissions: { administration: 'write' },
      }),
    ).rejects.toMatchObject({ status: 422 });
  });

  it('refuses an installation token on app routes and a JWT signed by another key', async () => {
    const { token } = await installationOctokit();
    await expect(
      new Octokit({ baseUrl: sim.url, auth: token }).apps.getAuthenticated(),
    ).rejects.toMatchObject({ status: 401 });
    const other = new GitHubSimulator().world.app.privateKey;
    const forged = new Octokit({
      baseUrl: sim.url,
      authStrategy: createAppAuth,
      auth: { appId: sim.world.app.id, privateKey: other },
    });
    await expect(forged.apps.getAuthenticated()).rejects.toMatchObject({ status: 401 });
  });
});

describe('installation tokens', () => {
  it('read files and directories, with ETags answered 304 and not counted', async () => {
    const { octokit } = await installationOctokit({
      repositories: ['shop'],
      permissions: { contents: 'read' },
    });
    const dir = await octokit.repos.getContent({
      owner: 'acme',
      repo: 'shop',
      path: '.approvals',
      ref: 'main',
    });
    expect((dir.data as { name: string; type: string }[]).map((e) => [e.name, e.type])).toEqual([
      ['deploy.yml', 'file'],
      ['tests', 'dir'],
    ]);
    const file = await octokit.repos.getContent({
      owner: 'acme',
      repo: 'shop',
      path: '.approvals/deploy.yml',
    });
    const content = file.data as { content: string; encoding: string };
    expect(Buffer.from(content.content, 'base64').toString()).toBe('version: 1\n');
    const remaining = Number(file.headers['x-ratelimit-remaining']);
    await expect(
      octokit.repos.getContent({
        owner: 'acme',
        repo: 'shop',
        path: '.approvals/deploy.yml',
        headers: { 'if-none-match': file.headers.etag! },
      }),
    ).rejects.toMatchObject({ status: 304 });
    const again = await octokit.repos.getContent({ owner: 'acme', repo: 'shop', path: 'README.md' });
    expect(Number(again.headers['x-ratelimit-remaining'])).toBe(remaining - 1);
    expect(sim.calls.filter((c) => c.status === 304).every((c) => !c.counted)).toBe(true);
  });

  it('fail outside their repositories (404) and permissions (403)', async () => {
    const { octokit } = await installationOctokit({
      repositories: ['shop'],
      permissions: { contents: 'read' },
    });
    await expect(
      octokit.repos.getContent({ owner: 'acme', repo: 'other', path: 'README.md' }),
    ).rejects.toMatchObject({ status: 404 });
    await expect(
      octokit.checks.create({ owner: 'acme', repo: 'shop', name: 'x', head_sha: repo.branches.get('main')! }),
    ).rejects.toMatchObject({ status: 403 });
  });

  it('stop working once revoked (401)', async () => {
    const { octokit } = await installationOctokit();
    await octokit.apps.revokeInstallationAccessToken();
    await expect(octokit.repos.get({ owner: 'acme', repo: 'shop' })).rejects.toMatchObject({ status: 401 });
  });

  it('stop working after an hour (401)', async () => {
    const { octokit } = await installationOctokit();
    const start = Date.now();
    sim.now = () => new Date(start + 3_600_001);
    await expect(octokit.repos.get({ owner: 'acme', repo: 'shop' })).rejects.toMatchObject({ status: 401 });
  });
});

describe('check runs', () => {
  const actions = [
    { label: 'Approve', identifier: 'approve', description: 'Approve this request' },
    { label: 'Deny', identifier: 'deny', description: 'Deny this request' },
  ];

  it('are created, updated, read and listed for a ref', async () => {
    const { octokit } = await installationOctokit();
    const head_sha = repo.branches.get('main')!;
    const created = await octokit.checks.create({
      owner: 'acme',
      repo: 'shop',
      name: 'approval: deploy-web',
      head_sha,
      status: 'completed',
      conclusion: 'action_required',
      output: { title: 'Waiting for 2 approvals', summary: '**deploy-web** by dana' },
      actions,
    });
    expect(created.data).toMatchObject({ status: 'completed', conclusion: 'action_required', head_sha });
    await octokit.checks.update({
      owner: 'acme',
      repo: 'shop',
      check_run_id: created.data.id,
      conclusion: 'success',
      output: { title: 'Approved', summary: 'by alice' },
    });
    const got = await octokit.checks.get({ owner: 'acme', repo: 'shop', check_run_id: created.data.id });
    expect(got.data).toMatchObject({ conclusion: 'success', output: { title: 'Approved' } });
    const list = await octokit.checks.listForRef({ owner: 'acme', repo: 'shop', ref: 'main' });
    expect(list.data.check_runs.map((r) => r.id)).toEqual([created.data.id]);
  });

  it.each([
    ['four buttons', { actions: [...actions, ...actions] }],
    ['a 21-character label', { actions: [{ label: 'A'.repeat(21), identifier: 'a', description: 'b' }] }],
    ['completed without a conclusion', { status: 'completed' }],
  ])('reject %s with 422, as GitHub does', async (_, extra) => {
    const { octokit } = await installationOctokit();
    const head_sha = repo.branches.get('main')!;
    await expect(
      octokit.checks.create({ owner: 'acme', repo: 'shop', name: 'x', head_sha, ...extra } as never),
    ).rejects.toMatchObject({ status: 422 });
    sim.violations.splice(0); // a spec-invalid request is recorded as a violation; this one was on purpose
  });

  it('records a request outside the description as a violation', async () => {
    const { octokit } = await installationOctokit();
    await expect(
      octokit.request('POST /repos/{owner}/{repo}/check-runs', {
        owner: 'acme',
        repo: 'shop',
        head_sha: 'x',
      } as never),
    ).rejects.toMatchObject({ status: 422 });
    expect(sim.violations.map((v) => v.direction)).toEqual(['request']);
    expect(() => sim.assertNoViolations()).toThrow(/name/);
  });

  it('records an unknown route as a violation, not a silent 404', async () => {
    const { octokit } = await installationOctokit();
    await expect(
      octokit.request('GET /repos/{owner}/{repo}/frobs', { owner: 'acme', repo: 'shop' }),
    ).rejects.toMatchObject({ status: 404 });
    expect(() => sim.assertNoViolations()).toThrow(/GitHub has no such route/);
  });
});

describe('teams, collaborators and pull requests', () => {
  it('report team membership with its state', async () => {
    sim.world.addTeam('acme/sre', { active: ['alice'], pending: ['bob'] });
    const { octokit } = await installationOctokit();
    const alice = await octokit.teams.getMembershipForUserInOrg({
      org: 'acme',
      team_slug: 'sre',
      username: 'alice',
    });
    expect(alice.data.state).toBe('active');
    const bob = await octokit.teams.getMembershipForUserInOrg({
      org: 'acme',
      team_slug: 'sre',
      username: 'bob',
    });
    expect(bob.data.state).toBe('pending');
    await expect(
      octokit.teams.getMembershipForUserInOrg({ org: 'acme', team_slug: 'sre', username: 'carol' }),
    ).rejects.toMatchObject({ status: 404 });
  });

  it('report a collaborator permission and a pull request head', async () => {
    sim.world.addUser('dana');
    repo.collaborators.set('dana', 'write');
    const pull = sim.world.openPull(repo, { head: 'feature', user: 'dana' });
    const { octokit } = await installationOctokit();
    const perm = await octokit.repos.getCollaboratorPermissionLevel({
      owner: 'acme',
      repo: 'shop',
      username: 'dana',
    });
    expect(perm.data.permission).toBe('write');
    const pr = await octokit.pulls.get({ owner: 'acme', repo: 'shop', pull_number: pull.number });
    expect(pr.data.head.sha).toBe(pull.headSha);
    expect(pr.data.head.sha).not.toBe(repo.branches.get('main'));
  });
});

describe('workflow runs', () => {
  it('are read by id, with their workflow, actors and attempt; unknown or foreign runs are 404', async () => {
    const { octokit } = await installationOctokit();
    const repo = sim.world.repo('acme/shop')!;
    sim.world.addRun(repo, { id: 7007, attempt: 2, actor: 'dana', triggeringActor: 'erin' });
    const { data } = await octokit.actions.getWorkflowRun({ owner: 'acme', repo: 'shop', run_id: 7007 });
    expect(data).toMatchObject({
      id: 7007,
      run_attempt: 2,
      path: '.github/workflows/deploy.yml',
      event: 'push',
      head_sha: repo.branches.get('main'),
      actor: { login: 'dana' },
      triggering_actor: { login: 'erin' },
    });
    await expect(
      octokit.actions.getWorkflowRun({ owner: 'acme', repo: 'shop', run_id: 1 }),
    ).rejects.toMatchObject({ status: 404 });
  });
});

describe('observability and faults', () => {
  it('logs calls per operation and credential', async () => {
    const { octokit, token } = await installationOctokit();
    await octokit.repos.get({ owner: 'acme', repo: 'shop' });
    expect(sim.callsByOperation()).toEqual({ 'apps/create-installation-access-token': 1, 'repos/get': 1 });
    expect(JSON.stringify(sim.calls)).not.toContain(token);
  });

  it('injects 500, 502, rate limits and hangs for the next calls', async () => {
    const { octokit } = await installationOctokit();
    sim.inject('repos/get', 502);
    sim.inject('repos/get', 'rate-limit');
    await expect(octokit.repos.get({ owner: 'acme', repo: 'shop' })).rejects.toMatchObject({ status: 502 });
    const limited = await octokit.repos
      .get({ owner: 'acme', repo: 'shop' })
      .catch((e: { status: number; response: { headers: Record<string, string> } }) => e);
    expect(limited).toMatchObject({
      status: 403,
      response: { headers: { 'retry-after': '1', 'x-ratelimit-remaining': '0' } },
    });
    expect((await octokit.repos.get({ owner: 'acme', repo: 'shop' })).status).toBe(200);
    sim.inject('repos/get', 'hang');
    const controller = new AbortController();
    const hung = octokit.repos.get({ owner: 'acme', repo: 'shop', request: { signal: controller.signal } });
    setTimeout(() => controller.abort(), 50);
    await expect(hung).rejects.toThrow();
  });
});
