import type { Level } from './permissions.ts';

/**
 * What a step asks for, with its context. In the app every context field comes from the
 * verified OIDC token; `action`, `reason` and `permissions` are labels chosen by the workflow.
 */
export interface ApprovalRequest {
  action: string;
  repository: string;
  ref: string;
  sha?: string;
  /** `event_name` claim, e.g. `push`. */
  event: string;
  /** Deployment environment of the job; absent when the job has none. */
  environment?: string;
  /** Workflow file path: the path part of `workflow_ref`, e.g. `.github/workflows/deploy.yml`. */
  workflow: string;
  /** Login that triggered the run. */
  actor: string;
  reason?: string;
  /** Narrower permissions the step asks for; absent means all the policies allow. */
  permissions?: Readonly<Record<string, Level>>;
}

export interface Vote {
  /** Login of the voter. */
  user: string;
  decision: 'approve' | 'deny';
}

/** Active members of teams, by `org/team-slug`. Pending invitations must not be listed. */
export type Membership = Readonly<Record<string, readonly string[]>>;
