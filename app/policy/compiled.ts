import type { RequestTest } from './conditions.ts';
import type { CompiledEvidence } from './evidence.ts';
import type { Permissions } from './permissions.ts';
import type { CompiledWindow } from './windows.ts';

export const DEFAULT_TIMEOUT_SECONDS = 3_600;
export const MAX_TIMEOUT_SECONDS = 86_400;
export const DEFAULT_TTL_SECONDS = 600;
export const MAX_TTL_SECONDS = 3_600;

export interface CompiledFreeze {
  from: number;
  until: number;
  reason: string;
  label: string;
}

/** A validated policy, ready to evaluate with no further parsing or I/O. */
export interface CompiledPolicy {
  name: string;
  description: string;
  /** Where it is defined, for messages. */
  file: string;
  line: number;
  match: RequestTest;
  /** The `match.action` patterns, or null when the policy matches any action (for indexing). */
  actions: readonly string[] | null;
  /**
   * No approvers and no auto_approve: the policy only constrains (freeze, windows, reason,
   * timeout, token) and cannot approve anything by itself.
   */
  guard: boolean;
  /** Listed approver logins, lower-cased. */
  users: ReadonlySet<string>;
  /** Listed teams as written (`org/slug`). */
  teams: readonly string[];
  required: number;
  selfApproval: boolean;
  reasonRequired: boolean;
  autoApprove: readonly AutoEntry[];
  windows: readonly CompiledWindow[];
  freeze: readonly CompiledFreeze[];
  timeoutSeconds: number;
  token: { permissions: Permissions; ttlSeconds: number } | null;
  /** Users as written, for display. */
  userList: readonly string[];
  /** How its approvers are told that a request waits (`notify`). */
  notify: Notify;
  /** Approvers who become eligible once a request has waited `afterSeconds` (`escalate`), in order. */
  escalations: readonly Escalation[];
  /** Who may override this policy's freeze and windows for an emergency request (`break_glass`). */
  breakGlass: BreakGlass | null;
}

export interface BreakGlass {
  /** Lower-cased logins. */
  users: ReadonlySet<string>;
  userList: readonly string[];
  teams: readonly string[];
  required: number;
}

export interface Escalation {
  afterSeconds: number;
  /** Lower-cased logins. */
  users: ReadonlySet<string>;
  userList: readonly string[];
  teams: readonly string[];
}

/** `notify` of a policy, with its defaults. */
export interface Notify {
  github: 'comment' | 'issue' | 'none';
  /** Names of targets configured at the app (NOTIFY_TARGETS). */
  webhooks: readonly string[];
  /** `remind_every`, in seconds; null: no reminders. */
  remindEverySeconds: number | null;
}

/** One `auto_approve` entry: its conditions on the request, and the evidence it requires. */
export interface AutoEntry {
  request: RequestTest;
  evidence: CompiledEvidence;
}
