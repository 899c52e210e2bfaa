// Webhook deliveries as GitHub sends them: payloads from @octokit/webhooks-examples with the
// simulated world's values, validated against @octokit/openapi-webhooks, signed, and POSTed.
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { sign } from '@octokit/webhooks-methods';
import type { GitHubSimulator } from './server.ts';
import type {
  SimCheckRun,
  SimComment,
  SimCommitComment,
  SimInstallation,
  SimJob,
  SimPull,
  SimRepo,
  SimRun,
  SimUser,
} from './world.ts';

type Json = Record<string, unknown>;
const require = createRequire(import.meta.url);
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

interface Examples {
  name: string;
  examples: Json[];
}

let loaded:
  { examples: Examples[]; ajv: Ajv2020; spec: Json; validators: Map<string, ValidateFunction> } | undefined;
function descriptions(): NonNullable<typeof loaded> {
  if (!loaded) {
    const spec = JSON.parse(
      readFileSync(require.resolve('@octokit/openapi-webhooks/generated/api.github.com.json'), 'utf8'),
    ) as Json;
    const examples = JSON.parse(
      readFileSync(require.resolve('@octokit/webhooks-examples/api.github.com/index.json'), 'utf8'),
    ) as Examples[];
    const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true, validateSchema: false }));
    ajv.addSchema(spec, 'webhooks');
    loaded = { examples, ajv, spec, validators: new Map() };
  }
  return loaded;
}

/** Problems of a payload against the description of `event.action` (e.g. `check-run-requested-action`). */
export function validateWebhook(hook: string, payload: unknown): string[] {
  const d = descriptions();
  let v = d.validators.get(hook);
  if (!v) {
    const webhook = (
      d.spec.webhooks as Record<
        string,
        { post: { requestBody: { content: Record<string, { schema: { $ref: string } }> } } }
      >
    )[hook];
    if (!webhook) return [`no webhook ${hook} in @octokit/openapi-webhooks`];
    v = d.ajv.compile({
      $ref: `webhooks${webhook.post.requestBody.content['application/json']!.schema.$ref}`,
    });
    d.validators.set(hook, v);
  }
  return v(payload)
    ? []
    : (v.errors ?? [])
        .slice(0, 10)
        .map((e) => `${e.instancePath} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}

function example(event: string, action: string | undefined): Json {
  const found = descriptions()
    .examples.find((e) => e.name === event)
    ?.examples.find((x) => x.action === action);
  if (!found) throw new Error(`@octokit/webhooks-examples has no ${event}.${action ?? ''}`);
  return structuredClone(found);
}

export interface Delivery {
  id: string;
  event: string;
  action?: string;
  body: string;
  status: number;
  response: string;
}

export class WebhookSender {
  readonly deliveries: Delivery[] = [];
  readonly #sim: GitHubSimulator;
  readonly #target: () => { url: string; secret: string };

  /** `target` gives the app's webhook URL and secret at send time. */
  constructor(sim: GitHubSimulator, target: () => { url: string; secret: string }) {
    this.#sim = sim;
    this.#target = target;
  }

  #user(user: SimUser, base: Json = {}): Json {
    return {
      ...base,
      login: user.login,
      id: user.id,
      node_id: `U_${user.id}`,
      type: user.type,
      url: `${this.#sim.url}/users/${encodeURIComponent(user.login)}`,
      html_url: `https://github.com/${encodeURIComponent(user.login)}`,
    };
  }

  #repository(repo: SimRepo, base: Json): Json {
    const full = `${repo.owner}/${repo.name}`;
    return {
      ...base,
      id: repo.id,
      node_id: `R_${repo.id}`,
      name: repo.name,
      full_name: full,
      private: repo.private,
      visibility: repo.private ? 'private' : 'public',
      owner: this.#user(this.#sim.world.addUser(repo.owner), base.owner as Json),
      html_url: `https://github.com/${full}`,
      url: `${this.#sim.url}/repos/${full}`,
      default_branch: repo.defaultBranch,
      has_discussions: false,
      topics: [],
    };
  }

  #common(payload: Json, repo: SimRepo, sender: SimUser): Json {
    const installation = this.#sim.world.installationFor(repo);
    payload.repository = this.#repository(repo, payload.repository as Json);
    payload.sender = this.#user(sender, payload.sender as Json);
    if (installation) payload.installation = { id: installation.id, node_id: `I_${installation.id}` };
    else delete payload.installation;
    return payload;
  }

  /** A reviewer clicked a button of a check run (of another app than the world's, given `appId`). */
  checkRunRequestedAction(
    repo: SimRepo,
    run: SimCheckRun,
    identifier: string,
    sender: SimUser,
    { appId = this.#sim.world.app.id }: { appId?: number } = {},
  ): Promise<Delivery> {
    const p = this.#common(example('check_run', 'requested_action'), repo, sender);
    const checkRun = p.check_run as Json;
    Object.assign(checkRun, {
      id: run.id,
      name: run.name,
      head_sha: run.head_sha,
      status: run.status,
      conclusion: run.conclusion,
      external_id: run.external_id ?? '',
      started_at: run.started_at,
      completed_at: run.completed_at,
      url: `${this.#sim.url}/repos/${repo.owner}/${repo.name}/check-runs/${run.id}`,
    });
    (checkRun.app as Json).id = appId;
    (checkRun.check_suite as Json).head_sha = run.head_sha;
    p.requested_action = { identifier };
    return this.send('check_run', p, 'check-run-requested-action');
  }

  /** A check run (of any app) finished: `check_run.completed`. */
  checkRunCompleted(repo: SimRepo, run: SimCheckRun, sender: SimUser): Promise<Delivery> {
    const p = this.#common(example('check_run', 'completed'), repo, sender);
    const checkRun = p.check_run as Json;
    Object.assign(checkRun, {
      id: run.id,
      name: run.name,
      head_sha: run.head_sha,
      status: 'completed',
      conclusion: run.conclusion ?? 'success',
      started_at: run.started_at,
      completed_at: run.completed_at ?? run.started_at,
      url: `${this.#sim.url}/repos/${repo.owner}/${repo.name}/check-runs/${run.id}`,
    });
    (checkRun.app as Json).id = run.appId;
    Object.assign(checkRun.check_suite as Json, { id: run.checkSuiteId ?? run.id, head_sha: run.head_sha });
    return this.send('check_run', p, 'check-run-completed');
  }

  /** A check suite of an app finished on a commit: `check_suite.completed`. */
  checkSuiteCompleted(
    repo: SimRepo,
    suite: { headSha: string; appId: number; conclusion: string; id?: number },
    sender: SimUser,
  ): Promise<Delivery> {
    const p = this.#common(example('check_suite', 'completed'), repo, sender);
    const checkSuite = p.check_suite as Json;
    Object.assign(checkSuite, {
      id: suite.id ?? this.#sim.world.nextId(),
      head_sha: suite.headSha,
      status: 'completed',
      conclusion: suite.conclusion,
    });
    (checkSuite.app as Json).id = suite.appId;
    return this.send('check_suite', p, 'check-suite-completed');
  }

  /** A commit status was set: `status`. */
  status(
    repo: SimRepo,
    s: { sha: string; context: string; state: string },
    sender: SimUser,
  ): Promise<Delivery> {
    const p = this.#common(example('status', undefined), repo, sender);
    Object.assign(p, { sha: s.sha, context: s.context, state: s.state });
    const commit = p.commit as Json;
    commit.sha = s.sha;
    // The example predates `verified_at`, which the description now requires.
    const verification = (commit.commit as Json).verification as Json;
    verification.verified_at ??= null;
    return this.send('status', p, 'status');
  }

  /** A push of `after` to `ref`, listing the files the commit changed. */
  push(
    repo: SimRepo,
    opts: {
      ref: string;
      before: string;
      after: string;
      changed: string[];
      pusher: SimUser;
      forced?: boolean;
    },
  ): Promise<Delivery> {
    const p = this.#common(example('push', undefined), repo, opts.pusher);
    const commit = {
      ...((p.commits as Json[])[0] ?? (p.head_commit as Json)),
      id: opts.after,
      tree_id: opts.after,
      added: [],
      removed: [],
      modified: opts.changed,
    };
    Object.assign(p, {
      ref: opts.ref,
      before: opts.before,
      after: opts.after,
      commits: [commit],
      head_commit: commit,
      pusher: { name: opts.pusher.login, email: null },
      forced: opts.forced ?? false,
      // A forced rewind lists no commits.
      ...(opts.forced && opts.changed.length === 0 && { commits: [], head_commit: null }),
    });
    return this.send('push', p, 'push');
  }

  pullRequest(repo: SimRepo, pull: SimPull, action: 'opened' | 'synchronize'): Promise<Delivery> {
    const sender = this.#sim.world.addUser(pull.user);
    const p = this.#common(example('pull_request', action), repo, sender);
    const pr = p.pull_request as Json;
    const repoJson = p.repository as Json;
    Object.assign(pr, {
      number: pull.number,
      title: pull.title,
      state: pull.state,
      auto_merge: null,
      user: this.#user(sender, pr.user as Json),
    });
    pr.head = {
      ...(pr.head as Json),
      ref: pull.headRef,
      sha: pull.headSha,
      label: `${repo.owner}:${pull.headRef}`,
      repo: this.#repository(repo, (pr.head as Json).repo as Json),
    };
    pr.base = {
      ...(pr.base as Json),
      ref: pull.baseRef,
      sha: repo.branches.get(pull.baseRef),
      label: `${repo.owner}:${pull.baseRef}`,
      repo: this.#repository(repo, (pr.base as Json).repo as Json),
    };
    Object.assign(p, { number: pull.number, repository: repoJson });
    return this.send('pull_request', p, `pull-request-${action}`);
  }

  /** A job of a workflow run finished (the world's job is marked completed). */
  workflowJobCompleted(
    repo: SimRepo,
    job: SimJob,
    sender: SimUser,
    conclusion = 'success',
  ): Promise<Delivery> {
    job.status = 'completed';
    job.conclusion = conclusion;
    job.completedAt = this.#sim
      .now()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
    const p = this.#common(example('workflow_job', 'completed'), repo, sender);
    Object.assign(p.workflow_job as Json, {
      id: job.id,
      run_id: job.runId,
      run_attempt: job.runAttempt,
      name: job.name,
      workflow_name: job.workflowName,
      conclusion,
      status: 'completed',
      head_sha: job.headSha,
      completed_at: job.completedAt,
    });
    return this.send('workflow_job', p, 'workflow-job-completed');
  }

  /**
   * A job of `run` waits on `environment`, which has this app as a protection rule. There is no
   * example of this event in @octokit/webhooks-examples: it is built from the description
   * (`webhook-deployment-protection-rule-requested`), with a repository and a deployment taken
   * from other events' examples, and the top-level `ref` and `sha` GitHub sends besides.
   */
  deploymentProtectionRuleRequested(
    repo: SimRepo,
    run: SimRun,
    environment: string,
    { ref = `refs/heads/${repo.defaultBranch}`, sender = this.#sim.world.addUser(run.triggeringActor) } = {},
  ): Promise<Delivery> {
    const base = example('deployment', 'created');
    const full = `${repo.owner}/${repo.name}`;
    const p = this.#common(
      { action: 'requested', repository: base.repository, sender: base.sender },
      repo,
      sender,
    );
    (run.waitingOn ??= new Set()).add(environment.toLowerCase());
    const deploymentId = this.#sim.world.nextId();
    const stamp = this.#sim
      .now()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
    Object.assign(p, {
      environment,
      event: run.event,
      ref,
      sha: run.headSha,
      deployment_callback_url: `${this.#sim.url}/repos/${full}/actions/runs/${run.id}/deployment_protection_rule`,
      deployment: {
        ...(base.deployment as Json),
        id: deploymentId,
        node_id: `DE_${deploymentId}`,
        url: `${this.#sim.url}/repos/${full}/deployments/${deploymentId}`,
        sha: run.headSha,
        ref: ref.replace(/^refs\/(heads|tags)\//, ''),
        environment,
        original_environment: environment,
        creator: this.#user(sender, (base.deployment as Json).creator as Json),
        created_at: stamp,
        updated_at: stamp,
        statuses_url: `${this.#sim.url}/repos/${full}/deployments/${deploymentId}/statuses`,
        repository_url: `${this.#sim.url}/repos/${full}`,
      },
      pull_requests: [],
    });
    return this.send('deployment_protection_rule', p, 'deployment-protection-rule-requested');
  }

  /** A workflow run (attempt) finished. */
  workflowRunCompleted(
    repo: SimRepo,
    run: { runId: number; runAttempt?: number; headSha: string },
    sender: SimUser,
  ): Promise<Delivery> {
    const p = this.#common(example('workflow_run', 'completed'), repo, sender);
    // The example predates `actor`, `triggering_actor` and `path`, which the description requires.
    Object.assign(p.workflow_run as Json, {
      actor: this.#user(sender),
      triggering_actor: this.#user(sender),
      path: '.github/workflows/deploy.yml',
      id: run.runId,
      run_attempt: run.runAttempt ?? 1,
      head_sha: run.headSha,
      status: 'completed',
      conclusion: 'success',
    });
    return this.send('workflow_run', p, 'workflow-run-completed');
  }

  /**
   * A person comments on a pull request (or issue) `number`: the comment is added to the world and
   * `issue_comment.created` is sent. `edited` and `deleted` send the same comment with that action.
   */
  issueComment(
    repo: SimRepo,
    number: number,
    author: SimUser,
    body: string,
    action: 'created' | 'edited' | 'deleted' = 'created',
    existing?: SimComment,
  ): Promise<Delivery> {
    const stamp = this.#sim
      .now()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
    const comment: SimComment = existing ?? {
      id: this.#sim.world.nextId(),
      issue: number,
      body,
      user: author.login,
      createdAt: stamp,
      updatedAt: stamp,
      reactions: [],
    };
    comment.body = body;
    if (!existing) repo.comments.push(comment);
    const p = this.#common(example('issue_comment', action), repo, author);
    const pull = repo.pulls.get(number);
    const full = `${repo.owner}/${repo.name}`;
    const reactions = (url: string): Json => ({
      url,
      total_count: 0,
      '+1': 0,
      '-1': 0,
      laugh: 0,
      confused: 0,
      heart: 0,
      hooray: 0,
      eyes: 0,
      rocket: 0,
    });
    // The examples predate fields the description now requires: filled in as GitHub sends them.
    Object.assign(p.issue as Json, {
      active_lock_reason: null,
      reactions: reactions(`${this.#sim.url}/repos/${full}/issues/${number}/reactions`),
      labels: [],
      number,
      title: pull?.title ?? repo.issues.get(number)?.title ?? `#${number}`,
      state: 'open',
      user: this.#user(this.#sim.world.addUser(pull?.user ?? repo.owner)),
      html_url: `https://github.com/${full}/${pull ? 'pull' : 'issues'}/${number}`,
      ...(pull && {
        pull_request: {
          url: `${this.#sim.url}/repos/${full}/pulls/${number}`,
          html_url: `https://github.com/${full}/pull/${number}`,
          diff_url: `https://github.com/${full}/pull/${number}.diff`,
          patch_url: `https://github.com/${full}/pull/${number}.patch`,
          merged_at: null,
        },
      }),
    });
    Object.assign(p.comment as Json, {
      performed_via_github_app: null,
      reactions: reactions(`${this.#sim.url}/repos/${full}/issues/comments/${comment.id}/reactions`),
      id: comment.id,
      node_id: `IC_${comment.id}`,
      body,
      user: this.#user(author, (p.comment as Json).user as Json),
      created_at: comment.createdAt,
      updated_at: stamp,
      html_url: `https://github.com/${full}/${pull ? 'pull' : 'issues'}/${number}#issuecomment-${comment.id}`,
    });
    return this.send('issue_comment', p, `issue-comment-${action}`);
  }

  /** A person comments on a commit: the comment is added and `commit_comment.created` is sent. */
  commitComment(repo: SimRepo, commitId: string, author: SimUser, body: string): Promise<Delivery> {
    const stamp = this.#sim
      .now()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
    const comment: SimCommitComment = {
      id: this.#sim.world.nextId(),
      commitId,
      body,
      user: author.login,
      createdAt: stamp,
      updatedAt: stamp,
      reactions: [],
    };
    repo.commitComments.push(comment);
    const p = this.#common(example('commit_comment', 'created'), repo, author);
    Object.assign(p.comment as Json, {
      id: comment.id,
      node_id: `CC_${comment.id}`,
      body,
      commit_id: commitId,
      user: this.#user(author, (p.comment as Json).user as Json),
      created_at: stamp,
      updated_at: stamp,
      html_url: `https://github.com/${repo.owner}/${repo.name}/commit/${commitId}#commitcomment-${comment.id}`,
    });
    return this.send('commit_comment', p, 'commit-comment-created');
  }

  installationCreated(installation: SimInstallation, sender: SimUser): Promise<Delivery> {
    const p = example('installation', 'created');
    const world = this.#sim.world;
    const stamp = this.#sim.now().toISOString();
    p.installation = {
      ...(p.installation as Json),
      id: installation.id,
      account: this.#user(world.addUser(installation.account), (p.installation as Json).account as Json),
      app_id: world.app.id,
      app_slug: world.app.slug,
      created_at: stamp,
      updated_at: stamp,
      permissions: installation.permissions,
      repository_selection: installation.repositories === 'all' ? 'all' : 'selected',
    };
    const repos =
      installation.repositories === 'all'
        ? [...world.repos.values()].filter((r) => r.owner === installation.account)
        : installation.repositories.map((id) => world.repoById(id)!);
    p.repositories = repos.map((r) => ({
      id: r.id,
      node_id: `R_${r.id}`,
      name: r.name,
      full_name: `${r.owner}/${r.name}`,
      private: r.private,
    }));
    p.sender = this.#user(sender, p.sender as Json);
    return this.send('installation', p, 'installation-created');
  }

  /** Validates, signs and POSTs a payload; throws when the payload is outside the description. */
  async send(
    event: string,
    payload: Json,
    hook: string,
    opts: { id?: string; secret?: string } = {},
  ): Promise<Delivery> {
    const problems = validateWebhook(hook, payload);
    if (problems.length > 0)
      throw new Error(`webhook ${hook} does not fit @octokit/openapi-webhooks:\n${problems.join('\n')}`);
    return this.#post(
      event,
      payload.action as string | undefined,
      JSON.stringify(payload),
      opts.id ?? randomUUID(),
      opts.secret,
    );
  }

  /**
   * Signs and POSTs a payload without holding it to the description: a delivery signed with the
   * app's secret whose shape GitHub would never send (a test of the app's own checks).
   */
  sendUnchecked(event: string, payload: Json): Promise<Delivery> {
    return this.#post(event, payload.action as string | undefined, JSON.stringify(payload), randomUUID());
  }

  /** Sends a recorded delivery again, with the same delivery id and body. */
  redeliver(delivery: Delivery): Promise<Delivery> {
    return this.#post(delivery.event, delivery.action, delivery.body, delivery.id);
  }

  async #post(
    event: string,
    action: string | undefined,
    body: string,
    id: string,
    secret?: string,
  ): Promise<Delivery> {
    const target = this.#target();
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'GitHub-Hookshot/sim',
      'x-github-event': event,
      'x-github-delivery': id,
      'x-github-hook-id': '1',
      'x-github-hook-installation-target-type': 'integration',
      'x-github-hook-installation-target-id': String(this.#sim.world.app.id),
      'x-hub-signature-256': await sign(secret ?? target.secret, body),
    };
    // A fresh connection per delivery, as GitHub's are: no pooled socket outlives a restarted app.
    const res = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(target.url, { method: 'POST', headers, agent: false }, (r) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
        r.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
    const delivery: Delivery = {
      id,
      event,
      body,
      status: res.status,
      response: res.text,
      ...(action ? { action } : {}),
    };
    this.deliveries.push(delivery);
    return delivery;
  }
}
