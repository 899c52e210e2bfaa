import type { MandatoryOrgWatch } from './mandatory-orgs.ts';

/** What the GitHub port is configured with (octokit-github.ts). */
export interface OctokitGitHubOptions {
  /** GITHUB_TIMEOUT_MS: bounds the calls made here with a client of their own. */
  timeoutMs: number;
  notInstalledCacheMs?: number;
  /** MEMBERSHIP_CACHE_SECONDS: how long a screen reuses an answer about a team membership. */
  membershipCacheMs?: number;
  /** POLICY_CACHE_SECONDS: how long policies GitHub confirmed are used without asking again. */
  policyMaxAgeMs?: number;
  now?: () => number;
  /** MANDATORY_ORG_POLICIES, and the mandatory owners seen. */
  mandatoryOrgs?: MandatoryOrgWatch;
  /** This app's id: its own check runs are told from others' by it. */
  appId?: number;
}
