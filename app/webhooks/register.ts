import type { Probot } from 'probot';
import { parseCommand } from '../domain/comment-command.ts';
import { AppError } from '../errors.ts';
import { POLICY_DIR } from '../github/policy-source.ts';
import type { GitHubPort } from '../github/port.ts';
import type { ApprovalService } from '../service/approval-service.ts';
import type { ChatDelivery } from '../chat/deliver.ts';
import type { CommentEvent } from '../service/commands.ts';
import { Payload } from './payload.ts';
import type { Metrics } from '../metrics.ts';
import { PolicyCheckBudget } from './check-budget.ts';
import { policyCheck } from './policy-check.ts';

const touchesPolicies = (paths: readonly string[]): boolean =>
  paths.some((p) => p === POLICY_DIR || p.startsWith(`${POLICY_DIR}/`));

/** The files a push changed, from each commit's lists. */
function changedFiles(p: Payload): string[] {
  const changed: string[] = [];
  for (let i = 0; i < p.count('commits'); i++)
    for (const list of ['added', 'modified', 'removed'])
      changed.push(...p.strings(`commits.${i}.${list}`, { optional: true }));
  return changed;
}

/**
 * The webhooks the app acts on. Probot has verified each signature before these run; each handler
 * reads the fields it uses through `Payload`, which refuses a delivery without them (400). A handler
 * that fails otherwise throws, and the delivery is answered 5xx: GitHub records it as failed.
 */
export function registerWebhooks(
  app: Probot,
  service: ApprovalService,
  github: GitHubPort,
  chat: Pick<ChatDelivery, 'refused'>,
  o: { now: () => number; metrics: Metrics },
): void {
  const budget = new PolicyCheckBudget(o.now, o.metrics);
  app.on('check_run.requested_action', async (ctx) => {
    const p = new Payload('check_run.requested_action', ctx.payload);
    await service.vote({
      checkRunId: p.int('check_run.id'),
      checkRunExternalId: p.optionalStr('check_run.external_id'),
      repositoryId: String(p.int('repository.id')),
      appId: p.optionalInt('check_run.app.id'),
      identifier: p.str('requested_action.identifier'),
      sender: { id: p.int('sender.id'), login: p.str('sender.login') },
      deliveryId: ctx.id,
    });
  });

  // A job waits on an environment that has this app as a custom deployment protection rule.
  app.on('deployment_protection_rule.requested', async (ctx) => {
    const p = new Payload('deployment_protection_rule.requested', ctx.payload);
    await service.gate({
      installationId: p.int('installation.id'),
      repositoryId: p.int('repository.id'),
      owner: p.str('repository.owner.login'),
      ownerId: p.int('repository.owner.id'),
      repo: p.str('repository.name'),
      environment: p.str('environment'),
      ref: p.optionalStr('ref') ?? `refs/heads/${p.str('deployment.ref')}`,
      sha: p.optionalStr('sha') ?? p.str('deployment.sha'),
      event: p.str('event'),
      callbackUrl: p.str('deployment_callback_url'),
      deliveryId: ctx.id,
    });
  });

  // A job's legs end with the job (matched by the job's id, never by its display name); the end of
  // the whole run attempt is the backstop for a job event that never came.
  app.on('workflow_job.completed', async (ctx) => {
    const p = new Payload('workflow_job.completed', ctx.payload);
    await service.jobCompleted(
      String(p.int('repository.id')),
      String(p.int('workflow_job.run_id')),
      String(p.int('workflow_job.run_attempt')),
      p.int('workflow_job.id'),
    );
  });

  // Checks finishing on a commit: requests waiting on them (auto_approve `checks`) are decided again.
  app.on('check_run.completed', async (ctx) => {
    const p = new Payload('check_run.completed', ctx.payload);
    await service.checksFinished(
      String(p.int('repository.id')),
      p.str('check_run.head_sha'),
      p.optionalInt('check_run.app.id'),
    );
  });
  app.on('check_suite.completed', async (ctx) => {
    const p = new Payload('check_suite.completed', ctx.payload);
    await service.checksFinished(
      String(p.int('repository.id')),
      p.str('check_suite.head_sha'),
      p.optionalInt('check_suite.app.id'),
    );
  });
  app.on('status', async (ctx) => {
    const p = new Payload('status', ctx.payload);
    if (p.str('state') === 'pending') return;
    await service.checksFinished(String(p.int('repository.id')), p.str('sha'));
  });

  app.on('workflow_run.completed', async (ctx) => {
    const p = new Payload('workflow_run.completed', ctx.payload);
    await service.runCompleted(
      String(p.int('repository.id')),
      String(p.int('workflow_run.id')),
      String(p.int('workflow_run.run_attempt')),
    );
  });

  // `/approve` and `/deny` in comments on pull requests (or the app's issues) and on commits.
  // A deleted comment never counts: only created and edited ones are read.
  app.on(['issue_comment.created', 'issue_comment.edited'], async (ctx) => {
    const p = new Payload(`issue_comment.${ctx.payload.action}`, ctx.payload);
    const comment = commentEvent(p, ctx.id, ctx.payload.action, {
      kind: 'pull',
      number: p.int('issue.number'),
    });
    if (comment) await service.comment(comment);
  });

  app.on('commit_comment.created', async (ctx) => {
    const p = new Payload('commit_comment.created', ctx.payload);
    const comment = commentEvent(p, ctx.id, 'created', { kind: 'commit', sha: p.str('comment.commit_id') });
    if (comment) await service.comment(comment);
  });

  app.on('push', async (ctx) => {
    const p = new Payload('push', ctx.payload);
    const [owner, repo] = [p.str('repository.owner.login'), p.str('repository.name')];
    const toDefault = p.str('ref') === `refs/heads/${p.str('repository.default_branch')}`;
    // A force-push (a rewind lists no commits) may change .approvals/ without naming it: drop the
    // cache on any forced push to the default branch.
    if (toDefault && p.bool('forced')) github.invalidatePolicies(owner, repo);
    if (!touchesPolicies(changedFiles(p))) return;
    if (toDefault) github.invalidatePolicies(owner, repo);
    const installation = p.optionalInt('installation.id');
    if (p.bool('deleted') || installation === undefined) return;
    await policyCheck(github, installation, owner, repo, p.str('after'), {
      ownerId: p.int('repository.owner.id'),
      check: (n, owner) => chat.refused(n, owner),
      sender: { id: p.int('sender.id'), login: p.str('sender.login') },
      budget,
    });
  });

  app.on(['pull_request.opened', 'pull_request.synchronize', 'pull_request.reopened'], async (ctx) => {
    const p = new Payload(`pull_request.${ctx.payload.action}`, ctx.payload);
    const installation = p.optionalInt('installation.id');
    if (installation === undefined) return;
    await policyCheck(
      github,
      installation,
      p.str('repository.owner.login'),
      p.str('repository.name'),
      p.str('pull_request.head.sha'),
      {
        ownerId: p.int('repository.owner.id'),
        check: (n, owner) => chat.refused(n, owner),
        sender: { id: p.int('sender.id'), login: p.str('sender.login') },
        budget,
        unlessAsOnDefault: true,
      },
    );
  });
}

/**
 * A comment that holds `/approve` or `/deny` (parsed here, once, by the strict grammar), with where
 * and when it was written; undefined when it holds no command, or no installation sent it (nothing
 * else is read then).
 */
function commentEvent(
  p: Payload,
  deliveryId: string,
  action: CommentEvent['action'],
  thread: CommentEvent['thread'],
): CommentEvent | undefined {
  const installationId = p.optionalInt('installation.id');
  const command = parseCommand(p.optionalStr('comment.body') ?? '');
  if (installationId === undefined || !command) return undefined;
  const writtenAt = Date.parse(p.str('comment.created_at'));
  if (!Number.isFinite(writtenAt))
    throw new AppError('bad_request', 'comment delivery refused: comment.created_at is not a date-time');
  return {
    repositoryId: String(p.int('repository.id')),
    installationId,
    owner: p.str('repository.owner.login'),
    repo: p.str('repository.name'),
    thread,
    commentId: p.int('comment.id'),
    command,
    writtenAt,
    action,
    sender: { id: p.int('sender.id'), login: p.str('sender.login'), type: p.str('sender.type') },
    deliveryId,
  };
}
