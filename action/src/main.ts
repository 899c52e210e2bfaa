import * as core from '@actions/core';
import { compactDecrypt, exportJWK, generateKeyPair } from 'jose';
import type { RequestView } from '../../app/api/contract.ts';
import { AppClient } from './client.ts';
import { ActionError } from './errors.ts';
import { readInputs } from './inputs.ts';
import { progressLine, stateKey, why } from './report.ts';

/** The longest one long-poll asks for; the app answers sooner when the request is decided. */
const POLL_SECONDS = 50;

async function idToken(audience: string): Promise<string> {
  if (!process.env.ACTIONS_ID_TOKEN_REQUEST_URL || !process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN) {
    throw new ActionError(
      'this job cannot get an OIDC token. Add to the job (or the workflow):\n\n  permissions:\n    id-token: write\n    contents: read\n\n(Runs from forks get no OIDC token at all.)',
    );
  }
  return core.getIDToken(audience);
}

async function summary(r: RequestView): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  await core.summary
    .addHeading(`jit-approvals: ${r.action}`, 3)
    .addTable([
      [{ data: 'Request', header: true }, { data: r.id }],
      [{ data: 'Decision', header: true }, { data: `${r.status}${r.decision.auto ? ' (automatic)' : ''}` }],
      [{ data: 'Policies', header: true }, { data: r.decision.policies.join(', ') || '—' }],
      [{ data: 'Approvers', header: true }, { data: r.approvers.join(', ') || '—' }],
      [{ data: 'Requested', header: true }, { data: r.created_at }],
      [{ data: 'Decided', header: true }, { data: r.decided_at ?? '—' }],
      [
        { data: 'Token permissions', header: true },
        {
          data: r.token
            ? Object.entries(r.token.permissions)
                .map(([k, v]) => `${k}: ${v}`)
                .join(', ')
            : 'no token',
        },
      ],
      [{ data: 'Token expires', header: true }, { data: r.token?.expires_at ?? '—' }],
    ])
    .write();
}

/** Asks the app, waits for the decision, and hands the job its token. */
export async function run(): Promise<void> {
  const inputs = readInputs(process.env);
  const { publicKey, privateKey } = await generateKeyPair('ECDH-ES', { crv: 'P-256' });
  const client = new AppClient({
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
  core.info(
    `Asking ${inputs.appUrl} for approval of "${inputs.action}"${inputs.reason ? ` (reason: ${inputs.reason})` : ''}.`,
  );
  let r = await client.create(
    {
      action: inputs.action,
      job: inputs.job,
      public_key: (await exportJWK(publicKey)) as Record<string, unknown>,
      ...(inputs.reason && { reason: inputs.reason }),
      ...(inputs.permissions && { permissions: inputs.permissions }),
    },
    Math.min(stepDeadline, start + 10 * 60_000),
  );
  core.setOutput('request-id', r.id);

  const cancel = async (signal: string): Promise<never> => {
    core.info(`Received ${signal}: cancelling request ${r.id}.`);
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
  const deadline = Math.min(stepDeadline, Date.parse(r.expires_at) + 60_000);
  while (r.status === 'pending') {
    if (stateKey(r) !== shown || Date.now() - lastLine > 5 * 60_000) {
      core.info(progressLine(r, Date.now()));
      shown = stateKey(r);
      lastLine = Date.now();
    }
    const left = (Math.min(stepDeadline, Date.parse(r.expires_at) + 5_000) - Date.now()) / 1000;
    if (left <= 0) break;
    r = await client.poll(r.id, Math.min(POLL_SECONDS, left), deadline);
  }
  if (r.status === 'pending') {
    core.info(`The step's timeout (${inputs.timeoutSeconds}s) passed: cancelling request ${r.id}.`);
    r = await client.cancel(r.id, Date.now() + 10_000);
    core.setOutput('status', 'timed_out');
    await summary(r);
    throw new ActionError(
      `timed out waiting for approval of "${inputs.action}" (the step's timeout is ${inputs.timeoutSeconds}s)`,
    );
  }
  core.info(progressLine(r, Date.now()));
  core.setOutput('status', r.status);
  core.setOutput('approvers', r.approvers.join(','));
  await summary(r);
  if (r.status !== 'approved')
    throw new ActionError(`${inputs.action} was ${r.status.replace('_', ' ')}: ${why(r)}`);
  if (r.token) {
    const token = new TextDecoder().decode((await compactDecrypt(r.token.jwe, privateKey)).plaintext);
    core.setSecret(token);
    core.setOutput('token', token);
    core.setOutput('expires-at', r.token.expires_at);
    core.info(
      `Approved${r.approvers.length ? ` by ${r.approvers.join(', ')}` : ' automatically'}: token with ${Object.entries(
        r.token.permissions,
      )
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ')} until ${r.token.expires_at}.`,
    );
  } else {
    core.info(
      `Approved${r.approvers.length ? ` by ${r.approvers.join(', ')}` : ' automatically'}; no token (${r.decision.reasons.find((x) => x.rule === 'token')?.message ?? 'none granted'}).`,
    );
  }
}
