import type { Leg } from '../../app/domain/leg.ts';
import type { StoredRequest } from '../../app/domain/request.ts';

/** One step waiting on a request. */
export const leg = (over: Partial<Leg> = {}): Leg => ({
  jobId: 7001,
  name: 'deploy',
  publicKey: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' },
  secretHash: 'f'.repeat(64),
  reason: 'ship it',
  requestedPermissions: null,
  joinedAt: 1_000,
  endedAt: null,
  token: null,
  ...over,
});

/** A pending request as the service stores it. */
export const storedRequest = (over: Partial<StoredRequest> = {}): StoredRequest => ({
  id: 'req_1',
  key: '74:9001:1:deploy:deploy-web',
  installationId: 1,
  claims: {
    repository: 'acme/shop',
    repository_id: '74',
    repository_owner: 'acme',
    ref: 'refs/heads/main',
    sha: 'a'.repeat(40),
    event_name: 'push',
    environment: 'production',
    workflow_ref: 'acme/shop/.github/workflows/deploy.yml@refs/heads/main',
    actor: 'dana',
    run_id: '9001',
    run_attempt: '1',
  },
  job: 'deploy',
  action: 'deploy-web',
  reason: 'ship it',
  requestedPermissions: null,
  headSha: 'a'.repeat(40),
  status: 'pending',
  decision: {
    outcome: 'pending',
    auto: false,
    policies: ['prod'],
    reasons: [],
    requirements: [],
    token: null,
    timeout_seconds: 3600,
  },
  checkRunId: null,
  createdAt: 1_000,
  expiresAt: 3_601_000,
  decidedAt: null,
  terms: null,
  legs: [leg()],
  notice: null,
  ignoredVotes: [],
  version: 0,
  ...over,
});
