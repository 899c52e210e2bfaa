import type { Job } from '../github-sim/oidc.ts';

/** A push to main of acme/shop, deploying to production. */
export const deployJob = (over: Partial<Job> = {}): Job => ({
  repository: 'acme/shop',
  repositoryId: 74,
  actor: 'dana',
  ref: 'refs/heads/main',
  sha: 'a'.repeat(40),
  event: 'push',
  environment: 'production',
  workflow: '.github/workflows/deploy.yml',
  runId: 9001,
  ...over,
});
