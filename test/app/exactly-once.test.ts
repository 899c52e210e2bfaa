// Several instances on one PostgreSQL database doing the same work at the same moment: each
// timeout, approval and revocation happens once, on GitHub and in the audit log.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyChain } from '../../app/audit/chain.ts';
import type { CreateRequestBody } from '../../app/domain/step-contract.ts';
import type { Runtime } from '../../app/index.ts';
import type { RunClaims } from '../../app/domain/claims.ts';
import { TEST_DATABASE_URL } from '../helpers/database.ts';
import { AppHarness, checkRunOf, sha256, type Step } from './harness.ts';

const POLICY = `version: 1
policies:
  - name: prod
    match: { action: ["deploy-*"] }
    approvers: { users: [alice, bob] }
    required: 2
    timeout: 10m
    token: { permissions: { contents: read }, ttl: 15m }
`;

const h = new AppHarness();
h.database = { url: TEST_DATABASE_URL, schema: `t_${randomBytes(6).toString('hex')}` };
h.env = { GITHUB_WRITES_PER_MINUTE: '0' }; // more writes at once than the default burst
h.sweepEveryMs = 3_600_000; // the instances sweep when the test says so, all at once
let instances: Runtime[];
let nextRun = 1;

beforeAll(async () => {
  await h.start({ 'p.yml': POLICY });
  instances = [h.runtime, await h.instance(), await h.instance()];
  // Each instance authenticates as the installation once (a token of its own, not a grant).
  for (const i of instances)
    await i.github.loadPolicies(await i.github.installationFor('acme', 'shop'), 'acme', 'shop');
});
afterAll(async () => {
  await h.stop();
  h.sim.assertNoViolations();
});

const calls = (operation: string, since: number): number =>
  h.sim.calls.slice(since).filter((c) => c.operation === operation).length;

const steps = new Map<string, Step>();

async function pending(n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const step = await h.step({ runId: nextRun++ });
    const { id } = (await h.request(step)).body;
    steps.set(id, step);
    ids.push(id);
  }
  return ids;
}

/** The verified claims of a step's OIDC token, as the API hands them to the service. */
function claimsOf(step: Step): RunClaims {
  return {
    repository: 'acme/shop',
    repository_id: String(h.repo.id),
    repository_owner: 'acme',
    actor: step.job.actor,
    actor_id: String(step.job.actorId),
    triggering_actor: step.job.actor,
    ref: step.job.ref,
    sha: step.job.sha,
    event_name: step.job.event,
    environment: step.job.environment!,
    workflow_ref: `acme/shop/${step.job.workflow}@${step.job.ref}`,
    workflow_sha: step.job.sha,
    job_workflow_ref: `acme/shop/${step.job.workflow}@${step.job.ref}`,
    run_id: String(step.job.runId),
    run_attempt: '1',
  };
}

/** Each approved step asks every instance for its token at the same moment (retries that raced). */
async function collectAcross(ids: string[]): Promise<void> {
  await Promise.all(
    ids.flatMap((id) => {
      const step = steps.get(id)!;
      return instances.map((i) => i.service.wait(id, claimsOf(step), step.secret, 0));
    }),
  );
}

/** Alice's and Bob's clicks on each request, delivered to two different instances at once. */
async function approveAcross(ids: string[]): Promise<void> {
  const users = { alice: h.sim.world.addUser('alice'), bob: h.sim.world.addUser('bob') };
  await Promise.all(
    ids.flatMap((id, i) => [
      checkRunOf(h, id).then((checkRunId) =>
        instances[i % 3]!.service.vote({
          checkRunId,
          identifier: 'approve',
          sender: users.alice,
          deliveryId: `d-${id}-alice`,
          repositoryId: String(h.repo.id),
          appId: h.sim.world.app.id,
        }),
      ),
      checkRunOf(h, id).then((checkRunId) =>
        instances[(i + 1) % 3]!.service.vote({
          checkRunId,
          identifier: 'approve',
          sender: users.bob,
          deliveryId: `d-${id}-bob`,
          repositoryId: String(h.repo.id),
          appId: h.sim.world.app.id,
        }),
      ),
    ]),
  );
}

/** Every instance sweeps at the same moment, `aheadMs` from now on the app's clock. */
async function sweepAllAt(aheadMs: number): Promise<void> {
  h.offsetMs = aheadMs;
  try {
    await Promise.all(instances.map((i) => i.service.sweep()));
  } finally {
    h.offsetMs = 0;
  }
}

async function eventsOf(ids: string[]) {
  const events = await h.runtime.store.auditEvents();
  expect(verifyChain(events)).toMatchObject({ ok: true });
  return events.filter((e) => e.requestId !== null && ids.includes(e.requestId));
}

describe('three instances on one database, working at the same moment', () => {
  it('the last two votes reach different instances at once: one approval, one token, each vote audited once', async () => {
    const ids = await pending(8);
    const since = h.sim.calls.length;
    await approveAcross(ids);
    await collectAcross(ids);

    expect(calls('apps/create-installation-access-token', since)).toBe(ids.length);
    expect(calls('apps/revoke-installation-access-token', since)).toBe(0); // no loser minted and threw one away
    const events = await eventsOf(ids);
    for (const id of ids) {
      expect((await h.runtime.store.getRequest(id))!.status).toBe('approved');
      const mine = events.filter((e) => e.requestId === id).map((e) => e.type);
      expect(mine).toEqual(['request', 'vote', 'vote', 'decision', 'token_granted']);
    }
  });

  it('a token past its TTL, swept by every instance at once: revoked on GitHub once, audited once', async () => {
    const approved = await pending(8);
    await approveAcross(approved);
    await collectAcross(approved);
    const ids = (await h.runtime.store.unrevokedTokens()).map((r) => r.id); // these and earlier tests'
    const since = h.sim.calls.length;
    await sweepAllAt(16 * 60_000); // past the 15-minute TTL

    expect(calls('apps/revoke-installation-access-token', since)).toBe(ids.length);
    const revoked = (await eventsOf(ids)).filter((e) => e.type === 'token_revoked');
    expect(revoked.map((e) => e.requestId).sort()).toEqual([...ids].sort());
    for (const id of ids)
      expect((await h.runtime.store.getRequest(id))!.legs.every((l) => l.token?.revokedAt !== null)).toBe(
        true,
      );
  });

  it('an overdue request, swept by every instance at once: timed out once, its check run closed once', async () => {
    const ids = await pending(8);
    const since = h.sim.calls.length;
    await sweepAllAt(11 * 60_000); // past the 10-minute timeout

    expect(calls('checks/update', since)).toBe(ids.length);
    const decisions = (await eventsOf(ids)).filter((e) => e.type === 'decision');
    expect(decisions.map((e) => e.requestId).sort()).toEqual([...ids].sort());
    expect(decisions.every((e) => e.data.status === 'timed_out')).toBe(true);
  });

  it('a step that retries its request at another instance while the first is still creating it: one request, one check run', async () => {
    const step = await h.step({ runId: nextRun++ });
    const since = h.sim.calls.length;
    const body: CreateRequestBody = {
      action: 'deploy-web',
      job: 'deploy',
      job_id: step.simJob.id,
      secret_sha256: sha256(step.secret),
      public_key: step.publicJwk,
    };
    const claims = claimsOf(step);
    const made = await Promise.all(instances.map((i) => i.service.create(claims, body)));
    expect(new Set(made.map((r) => r.request.id)).size).toBe(1);
    expect(new Set(made.map((r) => r.request.checkRunId)).size).toBe(1);
    expect(new Set(made.map((r) => r.request.legs.length))).toEqual(new Set([1]));
    expect(calls('checks/create', since)).toBe(1);
  });
});
