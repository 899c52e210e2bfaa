import type { Level } from './permissions.ts';

export type Outcome = 'approved' | 'denied' | 'pending';

/** The rules that shape a decision; each reason names one. */
export type Rule =
  | 'no_policy'
  | 'governing'
  | 'freeze'
  | 'window'
  | 'reason_required'
  | 'auto_approve'
  | 'deny_vote'
  | 'approvals'
  | 'self_approval'
  | 'ineligible_vote'
  | 'escalation'
  | 'break_glass'
  | 'token';

export interface Reason {
  rule: Rule;
  /** The policy the reason comes from, when there is one. */
  policy?: string;
  message: string;
}

export interface Requirement {
  policy: string;
  required: number;
  /** Logins whose approvals count for this requirement, in vote order. */
  approved_by: string[];
  /** Approvals still needed (0 when met). */
  remaining: number;
  /** Who may approve now: the policy's approvers, and those of escalations that are due. */
  approvers: { users: string[]; teams: string[] };
  self_approval: boolean;
  /**
   * Who can still decide while approvals remain: the approvers who have not voted, never the actor
   * (without self_approval), and the teams. Empty once met. Absent in decisions stored before it.
   */
  waiting_for?: { users: string[]; teams: string[] };
  /** The policy's escalations (`escalate`), due or not. */
  escalate?: { after_seconds: number; users: string[]; teams: string[] }[];
}

export interface TokenGrant {
  permissions: Record<string, Level>;
  ttl_seconds: number;
}

/** The result of `evaluate`: what happens, and why, in a form to render or store. */
export interface Decision {
  outcome: Outcome;
  /** True when approved without any human vote. */
  auto: boolean;
  /** Names of the governing policies (those whose `match` matches the request). */
  policies: string[];
  reasons: Reason[];
  /** One per governing policy that does not auto-approve. */
  requirements: Requirement[];
  /** The token an approval grants, or null (denied, or no policy grants one). */
  token: TokenGrant | null;
  /** How long the request may wait; null when no policy governs it. */
  timeout_seconds: number | null;
  /** When denied outside a window: when the earliest window opens next (ISO 8601). */
  next_window?: string;
  /**
   * An emergency request whose freezes or windows these policies' `break_glass` overrides: their
   * requirements are their break-glass approvers'. Absent: no override.
   */
  break_glass?: { policies: string[] };
}
