// The HTTP API between the action (the step) and the app. The action imports only these types.
import type { Decision } from '../policy/decision.ts';
import type { Level } from '../policy/permissions.ts';
import type { RequestStatus } from './request.ts';

export interface CreateRequestBody {
  /** The step's `action` input, e.g. `deploy-production`. */
  action: string;
  /** GITHUB_JOB of the step's job (the job key). */
  job: string;
  /**
   * The job's own id, `${{ job.check_run_id }}`: the app verifies it belongs to the token's run.
   * Absent where the runner has no such context (GHES), and the app allows it (REQUIRE_JOB_ID).
   */
  job_id?: number;
  /** `${{ strategy.job-index }}`: tells matrix legs apart when there is no job id. */
  matrix_index?: number;
  /**
   * SHA-256 (hex) of a random secret the step keeps: reading and cancelling the request need the
   * secret itself (header `x-jit-step-secret`), so no other job of the run can.
   */
  secret_sha256: string;
  reason?: string;
  /** Narrower token permissions than the policy allows. */
  permissions?: Record<string, Level>;
  /** An emergency (break-glass) request; needs a reason. */
  emergency?: boolean;
  /** The step's ephemeral EC P-256 public key (JWK): the token comes encrypted to it. */
  public_key: Record<string, unknown>;
}

export interface RequestView {
  id: string;
  status: RequestStatus;
  /**
   * Goes up with every change of the request: a step polls with `since=<version>` so that a change
   * made between two of its polls answers the next one at once.
   */
  version: number;
  action: string;
  repository: string;
  run_id: string;
  run_attempt: string;
  job: string;
  /** The display name of the asking step's job, as GitHub shows it (verified by its id). */
  job_name: string;
  /** Every step waiting on this request: one per job, or per leg of a matrix job. */
  legs: { job_name: string; job_id: number | null }[];
  decision: Decision;
  /** The check run reviewers act on, when there is one. */
  check_run_url: string | null;
  /** The request's page at the app, where approvers sign in and decide (null: sign-in not configured). */
  page_url: string | null;
  /** An emergency override of freezes or windows (`break_glass`) decides this request. */
  break_glass: boolean;
  /** Logins whose approvals count, in order. */
  approvers: string[];
  /** Every vote counted so far, with what its voter wrote (comment commands carry a comment). */
  votes: { login: string; decision: 'approve' | 'deny'; comment: string | null }[];
  /** Clicks and commands that changed nothing (not an eligible approver, the actor, …), and why. */
  ignored: { login: string; reason: string }[];
  created_at: string;
  expires_at: string;
  /**
   * Seconds until the request times out, as of this answer: the step computes its deadline from
   * this, not from `expires_at`, so a clock skew between the app and the runner does not matter.
   */
  expires_in_seconds: number;
  decided_at: string | null;
  /** When approved with a token: the token as a compact JWE for the step's key. */
  token: { jwe: string; expires_at: string; permissions: Record<string, Level> } | null;
}

/** The header that carries the step's secret on `GET` and `DELETE`. */
export const STEP_SECRET_HEADER = 'x-jit-step-secret';

export interface ErrorBody {
  error: { code: string; message: string };
}
