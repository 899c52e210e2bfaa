/* Generated from the JSON schema by `npm run schema:sync`; do not edit by hand. */

/**
 * Globs on the step's `action` input, e.g. `deploy-*`.
 * 
 * @minItems 1
 */
export type Patterns = [string, ...(string)[]]
/**
 * Globs on the job's deployment environment (OIDC `environment` claim). A job without an environment never matches this key.
 * 
 * @minItems 1
 */
export type Patterns1 = [string, ...(string)[]]
/**
 * Globs on the git ref the run is for, e.g. `refs/heads/main` or `refs/tags/v*`.
 * 
 * @minItems 1
 */
export type Patterns2 = [string, ...(string)[]]
/**
 * Globs on the event that triggered the run, e.g. `push`, `workflow_dispatch`.
 * 
 * @minItems 1
 */
export type Patterns3 = [string, ...(string)[]]
/**
 * Globs on the workflow file path (the path part of `workflow_ref`), e.g. `.github/workflows/deploy.yml`.
 * 
 * @minItems 1
 */
export type Patterns4 = [string, ...(string)[]]
/**
 * Globs on the login that triggered the run, compared case-insensitively, e.g. `renovate[bot]`.
 * 
 * @minItems 1
 */
export type Patterns5 = [string, ...(string)[]]
/**
 * Globs on the step's `action` input, e.g. `deploy-*`.
 * 
 * @minItems 1
 */
export type Patterns6 = [string, ...(string)[]]
/**
 * Globs on the job's deployment environment (OIDC `environment` claim). A job without an environment never matches this key.
 * 
 * @minItems 1
 */
export type Patterns7 = [string, ...(string)[]]
/**
 * Globs on the git ref the run is for, e.g. `refs/heads/main` or `refs/tags/v*`.
 * 
 * @minItems 1
 */
export type Patterns8 = [string, ...(string)[]]
/**
 * Globs on the event that triggered the run, e.g. `push`, `workflow_dispatch`.
 * 
 * @minItems 1
 */
export type Patterns9 = [string, ...(string)[]]
/**
 * Globs on the workflow file path (the path part of `workflow_ref`), e.g. `.github/workflows/deploy.yml`.
 * 
 * @minItems 1
 */
export type Patterns10 = [string, ...(string)[]]
/**
 * Globs on the login that triggered the run, compared case-insensitively, e.g. `renovate[bot]`.
 * 
 * @minItems 1
 */
export type Patterns11 = [string, ...(string)[]]
/**
 * A list of glob patterns; the list matches when any pattern matches the whole value. `*` matches any characters except `/`, `**` also crosses `/`, `?` matches one character. Brackets and braces are literal.
 * 
 * @minItems 1
 * 
 * This interface was referenced by `PolicyFile`'s JSON-Schema
 * via the `definition` "patterns".
 */
export type Patterns12 = [string, ...(string)[]]
/**
 * A list of glob patterns; the list matches when any pattern matches the whole value. `*` matches any characters except `/`, `**` also crosses `/`, `?` matches one character. Brackets and braces are literal.
 * 
 * @minItems 1
 */
export type Patterns13 = [string, ...(string)[]]
/**
 * A duration: a number and a unit (`s`, `m`, `h`, `d`), or several combined from largest to smallest, e.g. `90s`, `15m`, `1h30m`.
 * 
 * This interface was referenced by `PolicyFile`'s JSON-Schema
 * via the `definition` "duration".
 */
export type Duration = string

/**
 * A jit-approvals policy file (.approvals/*.yml on the default branch). It decides who may approve which workflow actions, when, and with which GitHub token.
 */
export interface PolicyFile {
/**
 * Version of the policy language. Always 1.
 */
version: 1
/**
 * The policies in this file. Each request is judged by every policy whose `match` matches it.
 * 
 * @minItems 1
 */
policies: [Policy, ...(Policy)[]]
}
/**
 * One policy: which requests it governs, who approves them, when, and what token an approval grants.
 * 
 * This interface was referenced by `PolicyFile`'s JSON-Schema
 * via the `definition` "policy".
 */
export interface Policy {
/**
 * Unique name across all policy files of the repository (letters, digits, `.`, `_`, `-`; at most 100 characters). Shown to reviewers and in the audit log.
 */
name: string
/**
 * What the policy is for, in a sentence. Shown to reviewers on the check run.
 */
description?: string
match: Match
approvers?: Approvers
/**
 * How many eligible approvals the request needs. Default 1.
 */
required?: number
/**
 * May the actor who triggered the run approve its own request? Default false.
 */
self_approval?: boolean
/**
 * Must the step give a non-empty `reason`? Default false.
 */
reason_required?: boolean
/**
 * Routine cases approved without a human: a request is auto-approved by this policy when every key of any one entry matches it. An empty entry `{}` matches every request. Besides the request's fields, an entry may require live evidence about the request's commit, read from GitHub only for the entries that use it (`checks`, `pull_request`, `changed_paths`, `changes`, `verified_commit`): evidence that cannot be read never matches.
 */
auto_approve?: AutoApprove[]
/**
 * Decisions are made only inside one of these time windows; outside all of them a request is denied and told when the next one opens.
 * 
 * @minItems 1
 */
windows?: [Window, ...(Window)[]]
/**
 * Periods in which every request this policy governs is denied (change freezes).
 */
freeze?: Freeze[]
/**
 * How long a request may wait for approvals before it times out, as a duration such as `30m` or `1h30m`. Default 1h, at most 24h.
 */
timeout?: string
token?: Token
/**
 * How the approvers are told that a request waits. Default: a comment on the pull request (for a `pull_request` run) or on the commit (any other run), edited in place as votes arrive and when the request ends.
 */
notify?: {
/**
 * `comment` (default): a comment that @mentions the approvers who can still decide; `issue`: an issue assigned to the listed users instead, closed when the request ends; `none`: nothing on GitHub (the check run only).
 */
github?: ("comment" | "issue" | "none")
/**
 * Names of chat or webhook targets configured at the app (`NOTIFY_TARGETS`), never URLs: those are secrets. A name the app does not know is reported by the policy check.
 * 
 * @maxItems 10
 */
webhooks?: []|[string]|[string, string]|[string, string, string]|[string, string, string, string]|[string, string, string, string, string]|[string, string, string, string, string, string]|[string, string, string, string, string, string, string]|[string, string, string, string, string, string, string, string]|[string, string, string, string, string, string, string, string, string]|[string, string, string, string, string, string, string, string, string, string]
/**
 * While the request waits, remind the approvers who have not voted at this interval (a new comment and a new chat message), as a duration such as `30m`, from 1m to 24h. Default: no reminders.
 */
remind_every?: string
}
/**
 * If the request still waits after `after` (counted from when it was made), these approvers become eligible too, for this policy's requirement, and are told. In order of `after`; at most 5.
 * 
 * @minItems 1
 * @maxItems 5
 */
escalate?: [{
/**
 * How long the request waits before this escalation, as a duration such as `20m`.
 */
after: string
approvers: Approvers1
}]|[{
/**
 * How long the request waits before this escalation, as a duration such as `20m`.
 */
after: string
approvers: Approvers1
}, {
/**
 * How long the request waits before this escalation, as a duration such as `20m`.
 */
after: string
approvers: Approvers1
}]|[{
/**
 * How long the request waits before this escalation, as a duration such as `20m`.
 */
after: string
approvers: Approvers1
}, {
/**
 * How long the request waits before this escalation, as a duration such as `20m`.
 */
after: string
approvers: Approvers1
}, {
/**
 * How long the request waits before this escalation, as a duration such as `20m`.
 */
after: string
approvers: Approvers1
}]|[{
/**
 * How long the request waits before this escalation, as a duration such as `20m`.
 */
after: string
approvers: Approvers1
}, {
/**
 * How long the request waits before this escalation, as a duration such as `20m`.
 */
after: string
approvers: Approvers1
}, {
/**
 * How long the request waits before this escalation, as a duration such as `20m`.
 */
after: string
approvers: Approvers1
}, {
/**
 * How long the request waits before this escalation, as a duration such as `20m`.
 */
after: string
approvers: Approvers1
}]|[{
/**
 * How long the request waits before this escalation, as a duration such as `20m`.
 */
after: string
approvers: Approvers1
}, {
/**
 * How long the request waits before this escalation, as a duration such as `20m`.
 */
after: string
approvers: Approvers1
}, {
/**
 * How long the request waits before this escalation, as a duration such as `20m`.
 */
after: string
approvers: Approvers1
}, {
/**
 * How long the request waits before this escalation, as a duration such as `20m`.
 */
after: string
approvers: Approvers1
}, {
/**
 * How long the request waits before this escalation, as a duration such as `20m`.
 */
after: string
approvers: Approvers1
}]
/**
 * Where the policy applies, beyond `match`: `repositories`, glob patterns on the repository's name (without its owner, e.g. `payments-*`). Meant for organization policies (in `.approvals/` of the organization's `.github` repository), which otherwise govern every repository of the organization.
 */
scope?: {
repositories: Patterns12
}
/**
 * An audited emergency override of this policy's freeze and windows: a step that asks with `emergency: true` and a reason, denied only by time rules, waits for these approvers instead of being denied (never the actor, never a request denied for any other reason). When granted, the check run, the notifications, an issue labelled `break-glass`, the audit and the step say so.
 */
break_glass?: {
approvers: Approvers2
/**
 * How many of them must approve. Default 1.
 */
required?: number
}
}
/**
 * Which requests this policy governs: every key given must match, keys left out match anything. `match: {}` governs every request.
 */
export interface Match {
action?: Patterns
environment?: Patterns1
ref?: Patterns2
event?: Patterns3
workflow?: Patterns4
actor?: Patterns5
}
/**
 * Who may approve or deny requests this policy governs: listed users, and active members of listed teams.
 * 
 * This interface was referenced by `PolicyFile`'s JSON-Schema
 * via the `definition` "approvers".
 */
export interface Approvers {
/**
 * GitHub logins, compared case-insensitively.
 */
users?: string[]
/**
 * Teams as `org/team-slug`; only active members count (pending invitations do not).
 */
teams?: string[]
}
/**
 * One routine case: every key given must match. The request keys are globs as in `match`; `actor` must match both who started the run and who re-ran it. The evidence keys are read from GitHub about the request's commit.
 * 
 * This interface was referenced by `PolicyFile`'s JSON-Schema
 * via the `definition` "autoApprove".
 */
export interface AutoApprove {
action?: Patterns6
environment?: Patterns7
ref?: Patterns8
event?: Patterns9
workflow?: Patterns10
actor?: Patterns11
/**
 * The check runs and commit statuses on the request's commit have all concluded successfully (`success`, `neutral` or `skipped`): `true` for every one, or globs naming those required (each must be present and pass), e.g. `[build, "test (*)"]`. The app's own check runs and the jobs of the asking workflow run are left out. While some still run, the request waits and is decided again when they finish (up to `checks_timeout`); if one fails, the approvers are asked.
 */
checks?: (true | Patterns12)
/**
 * With `checks`: how long a request waits for running checks before its approvers are asked, as a duration such as `20m`. Default 30m, or half the policy's `timeout` when that is shorter; it must be shorter than the policy's `timeout`.
 */
checks_timeout?: string
/**
 * With `checks`: count only check runs of these GitHub Apps (by slug, e.g. `github-actions`) and, with `statuses`, commit statuses. Without it, a check of any source counts, as in GitHub's required status checks: pin the source so that another app (or anyone who can post a status) cannot stand in for your CI.
 * 
 * @minItems 1
 */
checks_from?: [string, ...(string)[]]
pull_request?: PullRequestEvidence
changed_paths?: Patterns13
changes?: ChangesEvidence
/**
 * `true`: GitHub has verified the signature of the request's commit (`commit.verification.verified`).
 */
verified_commit?: true
}
/**
 * The commit reached the ref through a merged pull request approved by reviewers other than its author and the request's actor (compared by account id). A reviewer's latest review submitted before the merge counts, and only when it is `APPROVED` (dismissed reviews never count).
 * 
 * This interface was referenced by `PolicyFile`'s JSON-Schema
 * via the `definition` "pullRequestEvidence".
 */
export interface PullRequestEvidence {
/**
 * How many distinct reviewers must have approved. Default 1.
 */
approvals?: number
/**
 * Only reviewers who are active members of one of these teams (`org/team-slug`) count.
 * 
 * @minItems 1
 */
teams?: [string, ...(string)[]]
}
/**
 * The change since the last commit this policy approved for the same action and environment is small. A first request (no earlier approval) does not match.
 * 
 * This interface was referenced by `PolicyFile`'s JSON-Schema
 * via the `definition` "changesEvidence".
 */
export interface ChangesEvidence {
/**
 * At most this many files changed.
 */
files?: number
/**
 * At most this many lines changed (added plus deleted).
 */
lines?: number
}
/**
 * A recurring time window in which decisions may be made.
 * 
 * This interface was referenced by `PolicyFile`'s JSON-Schema
 * via the `definition` "window".
 */
export interface Window {
/**
 * Days on which the window starts (`mon` … `sun`). Default: every day.
 * 
 * @minItems 1
 */
days?: [("mon" | "tue" | "wed" | "thu" | "fri" | "sat" | "sun"), ...(("mon" | "tue" | "wed" | "thu" | "fri" | "sat" | "sun"))[]]
/**
 * `HH:MM-HH:MM`, start inclusive, end exclusive, in `timezone`. An end before the start wraps past midnight. Default: `00:00-24:00`.
 */
hours?: string
/**
 * IANA time zone name, e.g. `Europe/Berlin`; daylight saving time is handled. Default: `UTC`.
 */
timezone?: string
}
/**
 * A period in which every request is denied.
 * 
 * This interface was referenced by `PolicyFile`'s JSON-Schema
 * via the `definition` "freeze".
 */
export interface Freeze {
/**
 * Start, inclusive, as an ISO 8601 date-time with an offset, e.g. `2026-12-20T00:00:00Z`. Quote it in YAML.
 */
from: string
/**
 * End, exclusive, as an ISO 8601 date-time with an offset. Must be after `from`.
 */
until: string
/**
 * Why, shown in the denial, e.g. `Holiday change freeze`.
 */
reason?: string
}
/**
 * Approval grants a GitHub App installation token for this repository only. Omit for approval without a token.
 * 
 * This interface was referenced by `PolicyFile`'s JSON-Schema
 * via the `definition` "token".
 */
export interface Token {
permissions: Permissions
/**
 * How long the token lives before the app revokes it, as a duration. Default 10m, at most 60m.
 */
ttl?: string
}
/**
 * GitHub App permissions of the token, `name: level`. Names and levels are GitHub's (app-permissions in GitHub's REST description); the app must itself hold at least these.
 * 
 * This interface was referenced by `PolicyFile`'s JSON-Schema
 * via the `definition` "permissions".
 */
export interface Permissions {
/**
 * The level of permission to grant the access token for GitHub Actions workflows, workflow runs, and artifacts.
 */
actions?: ("read" | "write")
/**
 * The level of permission to grant the access token for repository creation, deletion, settings, teams, and collaborators creation.
 */
administration?: ("read" | "write")
/**
 * The level of permission to grant the access token to create and retrieve build artifact metadata records.
 */
artifact_metadata?: ("read" | "write")
/**
 * The level of permission to create and retrieve the access token for repository attestations.
 */
attestations?: ("read" | "write")
/**
 * The level of permission to grant the access token for checks on code.
 */
checks?: ("read" | "write")
/**
 * The level of permission to grant the access token to view and manage code quality data.
 */
code_quality?: ("read" | "write")
/**
 * The level of permission to grant the access token to create, edit, delete, and list Codespaces.
 */
codespaces?: ("read" | "write")
/**
 * The level of permission to grant the access token for repository contents, commits, branches, downloads, releases, and merges.
 */
contents?: ("read" | "write")
/**
 * The level of permission to grant the access token to manage Dependabot secrets.
 */
dependabot_secrets?: ("read" | "write")
/**
 * The level of permission to grant the access token for deployments and deployment statuses.
 */
deployments?: ("read" | "write")
/**
 * The level of permission to grant the access token for discussions and related comments and labels.
 */
discussions?: ("read" | "write")
/**
 * The level of permission to grant the access token for managing repository environments.
 */
environments?: ("read" | "write")
/**
 * The level of permission to grant the access token for issues and related comments, assignees, labels, and milestones.
 */
issues?: ("read" | "write")
/**
 * The level of permission to grant the access token to manage the merge queues for a repository.
 */
merge_queues?: ("read" | "write")
/**
 * The level of permission to grant the access token to search repositories, list collaborators, and access repository metadata.
 */
metadata?: ("read" | "write")
/**
 * The level of permission to grant the access token for packages published to GitHub Packages.
 */
packages?: ("read" | "write")
/**
 * The level of permission to grant the access token to retrieve Pages statuses, configuration, and builds, as well as create new builds.
 */
pages?: ("read" | "write")
/**
 * The level of permission to grant the access token for pull requests and related comments, assignees, labels, milestones, and merges.
 */
pull_requests?: ("read" | "write")
/**
 * The level of permission to grant the access token to view and edit custom properties for a repository, when allowed by the property.
 */
repository_custom_properties?: ("read" | "write")
/**
 * The level of permission to grant the access token to manage the post-receive hooks for a repository.
 */
repository_hooks?: ("read" | "write")
/**
 * The level of permission to grant the access token to manage repository projects, columns, and cards.
 */
repository_projects?: ("read" | "write" | "admin")
/**
 * The level of permission to grant the access token to view and manage secret scanning alerts.
 */
secret_scanning_alerts?: ("read" | "write")
/**
 * The level of permission to grant the access token to manage repository secrets.
 */
secrets?: ("read" | "write")
/**
 * The level of permission to grant the access token to view and manage security events like code scanning alerts.
 */
security_events?: ("read" | "write")
/**
 * The level of permission to grant the access token to manage just a single file.
 */
single_file?: ("read" | "write")
/**
 * The level of permission to grant the access token for commit statuses.
 */
statuses?: ("read" | "write")
/**
 * The level of permission to grant the access token to manage Dependabot alerts.
 */
vulnerability_alerts?: ("read" | "write")
/**
 * The level of permission to grant the access token to update GitHub Actions workflow files.
 */
workflows?: "write"
/**
 * The level of permission to grant the access token to view and edit custom properties for an organization, when allowed by the property.
 */
custom_properties_for_organizations?: ("read" | "write")
/**
 * The level of permission to grant the access token for organization teams and members.
 */
members?: ("read" | "write")
/**
 * The level of permission to grant the access token to manage access to an organization.
 */
organization_administration?: ("read" | "write")
/**
 * The level of permission to grant the access token for custom repository roles management.
 */
organization_custom_roles?: ("read" | "write")
/**
 * The level of permission to grant the access token for custom organization roles management.
 */
organization_custom_org_roles?: ("read" | "write")
/**
 * The level of permission to grant the access token for repository custom properties management at the organization level.
 */
organization_custom_properties?: ("read" | "write" | "admin")
/**
 * The level of permission to grant the access token for managing access to GitHub Copilot for members of an organization with a Copilot Business subscription. This property is in public preview and is subject to change.
 */
organization_copilot_seat_management?: ("read" | "write")
/**
 * The level of permission to grant the access token to view and manage Copilot cloud agent settings for an organization.
 */
organization_copilot_agent_settings?: ("read" | "write")
/**
 * The level of permission to grant the access token to view and manage announcement banners for an organization.
 */
organization_announcement_banners?: ("read" | "write")
/**
 * The level of permission to grant the access token to view events triggered by an activity in an organization.
 */
organization_events?: "read"
/**
 * The level of permission to grant the access token to manage the post-receive hooks for an organization.
 */
organization_hooks?: ("read" | "write")
/**
 * The level of permission to grant the access token for viewing and managing fine-grained personal access token requests to an organization.
 */
organization_personal_access_tokens?: ("read" | "write")
/**
 * The level of permission to grant the access token for viewing and managing fine-grained personal access tokens that have been approved by an organization.
 */
organization_personal_access_token_requests?: ("read" | "write")
/**
 * The level of permission to grant the access token for viewing an organization's plan.
 */
organization_plan?: "read"
/**
 * The level of permission to grant the access token to manage organization projects and projects public preview (where available).
 */
organization_projects?: ("read" | "write" | "admin")
/**
 * The level of permission to grant the access token for organization packages published to GitHub Packages.
 */
organization_packages?: ("read" | "write")
/**
 * The level of permission to grant the access token to manage organization secrets.
 */
organization_secrets?: ("read" | "write")
/**
 * The level of permission to grant the access token to view and manage GitHub Actions self-hosted runners available to an organization.
 */
organization_self_hosted_runners?: ("read" | "write")
/**
 * The level of permission to grant the access token to view and manage users blocked by the organization.
 */
organization_user_blocking?: ("read" | "write")
/**
 * The level of permission to grant the access token to manage the email addresses belonging to a user.
 */
email_addresses?: ("read" | "write")
/**
 * The level of permission to grant the access token to manage the followers belonging to a user.
 */
followers?: ("read" | "write")
/**
 * The level of permission to grant the access token to manage git SSH keys.
 */
git_ssh_keys?: ("read" | "write")
/**
 * The level of permission to grant the access token to view and manage GPG keys belonging to a user.
 */
gpg_keys?: ("read" | "write")
/**
 * The level of permission to grant the access token to view and manage interaction limits on a repository.
 */
interaction_limits?: ("read" | "write")
/**
 * The level of permission to grant the access token to manage the profile settings belonging to a user.
 */
profile?: "write"
/**
 * The level of permission to grant the access token to list and manage repositories a user is starring.
 */
starring?: ("read" | "write")
/**
 * The level of permission to grant the access token for organization custom properties management at the enterprise level.
 */
enterprise_custom_properties_for_organizations?: ("read" | "write" | "admin")
}
/**
 * Who may approve or deny requests this policy governs: listed users, and active members of listed teams.
 */
export interface Approvers1 {
/**
 * GitHub logins, compared case-insensitively.
 */
users?: string[]
/**
 * Teams as `org/team-slug`; only active members count (pending invitations do not).
 */
teams?: string[]
}
/**
 * Who may approve or deny requests this policy governs: listed users, and active members of listed teams.
 */
export interface Approvers2 {
/**
 * GitHub logins, compared case-insensitively.
 */
users?: string[]
/**
 * Teams as `org/team-slug`; only active members count (pending invitations do not).
 */
teams?: string[]
}
/**
 * Conditions on the request; every key given must match, keys left out match anything.
 * 
 * This interface was referenced by `PolicyFile`'s JSON-Schema
 * via the `definition` "conditions".
 */
export interface Conditions {
action?: Patterns
environment?: Patterns1
ref?: Patterns2
event?: Patterns3
workflow?: Patterns4
actor?: Patterns5
}
/**
 * Which requests this policy governs: every key given must match, keys left out match anything. `match: {}` governs every request.
 * 
 * This interface was referenced by `PolicyFile`'s JSON-Schema
 * via the `definition` "match".
 */
export interface Match1 {
action?: Patterns
environment?: Patterns1
ref?: Patterns2
event?: Patterns3
workflow?: Patterns4
actor?: Patterns5
}
