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
import type { SimCheckRun, SimInstallation, SimPull, SimRepo, SimUser } from './world.ts';

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
      url: `${this.#sim.url}/users/${user.login}`,
      html_url: `https://github.com/${user.login}`,
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

  /** A reviewer clicked a button of a check run. */
  checkRunRequestedAction(
    repo: SimRepo,
    run: SimCheckRun,
    identifier: string,
    sender: SimUser,
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
    (checkRun.app as Json).id = this.#sim.world.app.id;
    (checkRun.check_suite as Json).head_sha = run.head_sha;
    p.requested_action = { identifier };
    return this.send('check_run', p, 'check-run-requested-action');
  }

  /** A push of `after` to `ref`, listing the files the commit changed. */
  push(
    repo: SimRepo,
    opts: { ref: string; before: string; after: string; changed: string[]; pusher: SimUser },
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

  /** A job of a workflow run finished. */
  workflowJobCompleted(
    repo: SimRepo,
    job: { runId: number; runAttempt?: number; name: string; conclusion?: string; headSha: string },
    sender: SimUser,
  ): Promise<Delivery> {
    const p = this.#common(example('workflow_job', 'completed'), repo, sender);
    Object.assign(p.workflow_job as Json, {
      run_id: job.runId,
      run_attempt: job.runAttempt ?? 1,
      name: job.name,
      conclusion: job.conclusion ?? 'success',
      status: 'completed',
      head_sha: job.headSha,
    });
    return this.send('workflow_job', p, 'workflow-job-completed');
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
