import type { Probot } from 'probot';
import { POLICY_DIR } from '../github/policy-source.ts';
import type { GitHubPort } from '../github/port.ts';
import type { ApprovalService } from '../service/approval-service.ts';
import { handleVote } from '../service/vote.ts';
import { policyCheck } from './policy-check.ts';

const touchesPolicies = (paths: readonly string[]): boolean =>
  paths.some((p) => p === POLICY_DIR || p.startsWith(`${POLICY_DIR}/`));

/** The webhooks the app acts on; Probot has verified each signature before these run. */
export function registerWebhooks(app: Probot, service: ApprovalService, github: GitHubPort): void {
  app.on('check_run.requested_action', async (ctx) => {
    await handleVote(service, {
      checkRunId: ctx.payload.check_run.id,
      identifier: ctx.payload.requested_action?.identifier ?? '',
      sender: { id: ctx.payload.sender.id, login: ctx.payload.sender.login },
      deliveryId: ctx.id,
    });
  });

  app.on('workflow_job.completed', async (ctx) => {
    const job = ctx.payload.workflow_job;
    await service.jobCompleted(
      String(ctx.payload.repository.id),
      String(job.run_id),
      String(job.run_attempt),
      job.name,
    );
  });

  app.on('push', async (ctx) => {
    const p = ctx.payload;
    const changed = p.commits.flatMap((c) => [
      ...(c.added ?? []),
      ...(c.modified ?? []),
      ...(c.removed ?? []),
    ]);
    if (!touchesPolicies(changed)) return;
    const [owner, repo] = [p.repository.owner?.login ?? '', p.repository.name];
    if (p.ref === `refs/heads/${p.repository.default_branch}`) github.invalidatePolicies(owner, repo);
    if (p.deleted || !p.installation) return;
    await policyCheck(github, p.installation.id, owner, repo, p.after);
  });

  app.on(['pull_request.opened', 'pull_request.synchronize', 'pull_request.reopened'], async (ctx) => {
    const p = ctx.payload;
    if (!p.installation) return;
    await policyCheck(
      github,
      p.installation.id,
      p.repository.owner.login,
      p.repository.name,
      p.pull_request.head.sha,
    );
  });
}
