import type { SignalKind } from './evidence.ts';
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
  | 'evidence'
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
  /**
   * The evidence each automatic approval rested on (`auto_approve` entries with evidence keys):
   * what an auditor reads to see why no human looked. Absent: none was used.
   */
  evidence?: EvidenceUsed[];
  /**
   * Every policy that asks for votes would approve once these running checks pass: the request
   * waits for them before its approvers are asked. Absent: it does not wait on checks.
   */
  awaiting?: {
    checks: string[];
    /** When (seconds after the request was made) the wait ends and the approvers are asked anyway. */
    until_seconds: number;
  };
}

/** One automatic approval's evidence: the policy, its entry, and each signal with what it showed. */
export interface EvidenceUsed {
  policy: string;
  entry: number;
  signals: { kind: SignalKind; value: string }[];
}
