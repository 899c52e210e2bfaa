import { createHash, randomBytes } from 'node:crypto';
import * as core from '@actions/core';
import { context } from '@actions/github';
import { compactDecrypt, exportJWK, generateKeyPair } from 'jose';
import type { RequestView } from '../../app/domain/step-contract.ts';
import { inertHtml } from '../../app/render/html.ts';
import { AppClient } from './client.ts';
import { ActionError } from './errors.ts';
import { readInputs } from './inputs.ts';
import { inert } from './log-safe.ts';
import {
  approvedHow,
  decidingReason,
  deniedBy,
  evidenceLines,
  narrowing,
  newEvents,
  progressLine,
  stateKey,
  why,
} from './report.ts';

/** Every line the step prints goes through here: nothing in it can start a workflow command. */
const say = (line: string): void => core.info(inert(line));

/** The longest one long-poll asks for; the app answers sooner when the request is decided. */
const POLL_SECONDS = 50;

async function idToken(audience: string): Promise<string> {
  if (!process.env.ACTIONS_ID_TOKEN_REQUEST_URL || !process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN) {
    throw new ActionError(
      'this job cannot get an OIDC token. Add to this job (this job only, not the whole workflow):\n\n  permissions:\n    id-token: write\n    contents: read\n\n(Runs from forks get no OIDC token at all.)',
    );
  }
  return core.getIDToken(audience);
}

async function summary(r: RequestView, note?: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  const row = (name: string, value: string) => [{ data: name, header: true }, { data: inertHtml(value) }];
  await core.summary
    .addHeading(`jit-approvals: ${inertHtml(r.action)}`, 3)
    .addTable([
      row('Request', r.id),
      row('Job', r.job_name),
      row(
        'Decision',
        `${r.status}${r.decision.auto ? ' (automatic)' : ''}${r.break_glass ? ' — BREAK-GLASS override' : ''}`,
      ),
      row('Policies', r.decision.policies.join(', ') || '—'),
      ...(evidenceLines(r).length > 0 ? [row('Evidence', evidenceLines(r).join('; '))] : []),
      row('Approvers', r.approvers.join(', ') || '—'),
      row('Requested', r.created_at),
      row('Decided', r.decided_at ?? '—'),
      row(
        'Token permissions',
        r.token
          ? Object.entries(r.token.permissions)
              .map(([k, v]) => `${k}: ${v}`)
              .join(', ')
          : 'no token',
      ),
      row('Token expires', r.token?.expires_at ?? '—'),
      ...(note ? [row('Note', note)] : []),
    ])
    .write();
}

/** Asks the app, waits for the decision, and hands the job its token. */
export async function run(): Promise<void> {
  const inputs = readInputs(process.env, context);
  const { publicKey, privateKey } = await generateKeyPair('ECDH-ES', { crv: 'P-256' });
  // Only this step knows the secret: reading and cancelling the request need it.
  const secret = randomBytes(32).toString('hex');
  const client = new AppClient({
    secret,
    appUrl: inputs.appUrl,
    idToken: () => idToken(inputs.audience),
    fetch,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    now: Date.now,
    random: Math.random,
    warn: (m) => core.warning(m),
  });
  const start = Date.now();
  const stepDeadline = inputs.timeoutSeconds
    ? start + inputs.timeoutSeconds * 1000
    : Number.POSITIVE_INFINITY;
  say(
    `Asking ${inputs.appUrl} for approval of "${inputs.action}"${inputs.reason ? ` (reason: ${inputs.reason})` : ''}.`,
  );
  if (inputs.jobId === undefined)
    say(
      'This runner gives no job id (job.check_run_id): the app knows this step by its job key and matrix position only.',
    );
  let r = await client.create(
    {
      action: inputs.action,
      job: inputs.job,
      ...(inputs.jobId !== undefined && { job_id: inputs.jobId }),
      ...(inputs.matrixIndex !== undefined && { matrix_index: inputs.matrixIndex }),
      secret_sha256: createHash('sha256').update(secret).digest('hex'),
      public_key: (await exportJWK(publicKey)) as Record<string, unknown>,
      ...(inputs.reason && { reason: inputs.reason }),
      ...(inputs.emergency && { emergency: true }),
      ...(inputs.permissions && { permissions: inputs.permissions }),
    },
    Math.min(stepDeadline, start + 10 * 60_000),
  );
  core.setOutput('request-id', r.id);
  if (r.check_run_url) core.setOutput('check-run-url', r.check_run_url);
  if (r.page_url) core.setOutput('page-url', r.page_url);

  const cancel = async (signal: string): Promise<never> => {
    say(`Received ${signal}: cancelling request ${r.id}.`);
    await client
      .cancel(r.id, Date.now() + 5_000)
      .catch((err: unknown) => core.warning(`could not cancel: ${(err as Error).message}`));
    core.setOutput('status', 'cancelled');
    process.exit(1);
  };
  process.once('SIGTERM', () => void cancel('SIGTERM'));
  process.once('SIGINT', () => void cancel('SIGINT'));

  let shown = '';
  let lastLine = 0;
  const seen = { votes: 0, ignored: 0 };
  // The request's timeout as this runner's clock sees it: from the app's relative answer, so a
  // skew between the two clocks does not matter.
  const expiresAt = (view: RequestView): number => Date.now() + view.expires_in_seconds * 1000;
  let requestEnds = expiresAt(r);
  const deadline = Math.min(stepDeadline, requestEnds + 60_000);
  while (r.status === 'pending') {
    for (const line of newEvents(r, seen)) say(line);
    if (stateKey(r) !== shown || Date.now() - lastLine > 5 * 60_000) {
      say(progressLine(r));
      shown = stateKey(r);
      lastLine = Date.now();
    }
    const left = (Math.min(stepDeadline, requestEnds + 5_000) - Date.now()) / 1000;
    if (left <= 0) break;
    r = await client.poll(r.id, Math.min(POLL_SECONDS, left), deadline, undefined, r.version);
    requestEnds = expiresAt(r);
  }
  if (r.status === 'pending') {
    const whose =
      Date.now() >= stepDeadline ? `The step's timeout (${inputs.timeoutSeconds}s)` : "The request's timeout";
    say(`${whose} passed: cancelling request ${r.id}.`);
    r = await client.cancel(r.id, Date.now() + 10_000);
    core.setOutput('status', 'timed_out');
    await summary(r);
    throw new ActionError(
      `timed out waiting for approval of "${inputs.action}" (${whose.replace('The ', 'the ')} passed)`,
    );
  }
  for (const line of newEvents(r, seen)) say(line);
  say(progressLine(r));
  core.setOutput('status', r.status);
  core.setOutput('approvers', r.approvers.join(','));
  core.setOutput('denied-by', deniedBy(r).join(','));
  core.setOutput('reason', decidingReason(r));
  core.setOutput('break-glass', r.break_glass === true && r.status === 'approved' ? 'true' : 'false');
  if (r.break_glass && r.status === 'approved')
    core.warning(
      `BREAK-GLASS: ${inputs.action} was approved through an emergency override; a review issue is open.`,
    );
  if (r.check_run_url) core.setOutput('check-run-url', r.check_run_url);
  if (r.page_url) core.setOutput('page-url', r.page_url);
  const narrower = r.status === 'approved' ? narrowing(inputs.permissions, r.token?.permissions) : undefined;
  await summary(r, narrower);
  if (r.status !== 'approved')
    throw new ActionError(`${inputs.action} was ${r.status.replace('_', ' ')}: ${why(r)}`);
  if (narrower && inputs.failOnNarrower) {
    // The token is not handed over: its leg ends at the app, which revokes it.
    await client
      .cancel(r.id, Date.now() + 10_000)
      .catch((err: unknown) => core.warning(`could not cancel: ${(err as Error).message}`));
    throw new ActionError(`${narrower} (fail-on-narrower)`);
  }
  if (narrower) core.warning(inert(`${narrower}; set fail-on-narrower: true to fail instead`));
  if (r.token) {
    const token = new TextDecoder().decode((await compactDecrypt(r.token.jwe, privateKey)).plaintext);
    core.setSecret(token);
    core.setOutput('token', token);
    core.setOutput('expires-at', r.token.expires_at);
    say(
      `${approvedHow(r)}: token with ${Object.entries(r.token.permissions)
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ')} until ${r.token.expires_at}.`,
    );
  } else {
    say(
      `${approvedHow(r)}; no token (${r.decision.reasons.find((x) => x.rule === 'token')?.message ?? 'none granted'}).`,
    );
  }
}
