import type { LoadResult } from '../policy/load.ts';
import type { Level } from '../policy/permissions.ts';

export interface CheckRunInput {
  name: string;
  status: 'queued' | 'in_progress' | 'completed';
  conclusion?: 'action_required' | 'cancelled' | 'failure' | 'neutral' | 'success' | 'skipped' | 'timed_out';
  external_id: string;
  details_url?: string;
  output: {
    title: string;
    summary: string;
    text?: string;
    annotations?: {
      path: string;
      start_line: number;
      end_line: number;
      annotation_level: 'notice' | 'warning' | 'failure';
      title: string;
      message: string;
    }[];
  };
  actions: { label: string; description: string; identifier: string }[];
}

/** Everything the service asks of GitHub. The Octokit implementation is in octokit-github.ts. */
export interface GitHubPort {
  installationFor(owner: string, repo: string): Promise<number>;
  loadPolicies(installationId: number, owner: string, repo: string): Promise<LoadResult>;
  /** Loads and validates `.approvals/` at any commit (for the policy check on pull requests). */
  validatePoliciesAt(installationId: number, owner: string, repo: string, ref: string): Promise<LoadResult>;
  /** Drops the cached policies of a repository (a push changed `.approvals/`). */
  invalidatePolicies(owner: string, repo: string): void;
  pullRequestHead(installationId: number, owner: string, repo: string, number: number): Promise<string>;
  /** Is `login` an active (not pending) member of `org/team`? */
  isActiveMember(installationId: number, team: string, login: string): Promise<boolean>;
  createCheckRun(
    installationId: number,
    owner: string,
    repo: string,
    headSha: string,
    input: CheckRunInput,
  ): Promise<number>;
  updateCheckRun(
    installationId: number,
    owner: string,
    repo: string,
    id: number,
    input: CheckRunInput,
  ): Promise<void>;
  mintToken(
    installationId: number,
    repositoryId: number,
    permissions: Record<string, Level>,
  ): Promise<{ token: string; expiresAt: number }>;
  revokeToken(token: string): Promise<void>;
  ping(): Promise<void>;
}
