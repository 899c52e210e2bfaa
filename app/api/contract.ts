// The HTTP API between the action (the step) and the app. The action imports only these types.
import type { Decision } from '../policy/decision.ts';
import type { Level } from '../policy/permissions.ts';
import type { RequestStatus } from '../store/types.ts';

export interface CreateRequestBody {
  /** The step's `action` input, e.g. `deploy-production`. */
  action: string;
  /** GITHUB_JOB of the step's job. */
  job: string;
  reason?: string;
  /** Narrower token permissions than the policy allows. */
  permissions?: Record<string, Level>;
  /** The step's ephemeral EC P-256 public key (JWK): the token comes encrypted to it. */
  public_key: Record<string, unknown>;
}

export interface RequestView {
  id: string;
  status: RequestStatus;
  action: string;
  repository: string;
  run_id: string;
  run_attempt: string;
  job: string;
  decision: Decision;
  /** The check run reviewers act on, when there is one. */
  check_run_url: string | null;
  /** Logins whose approvals count, in order. */
  approvers: string[];
  created_at: string;
  expires_at: string;
  decided_at: string | null;
  /** When approved with a token: the token as a compact JWE for the step's key. */
  token: { jwe: string; expires_at: string; permissions: Record<string, Level> } | null;
}

export interface ErrorBody {
  error: { code: string; message: string };
}
