/* Generated from the JSON schema by `npm run schema:sync`; do not edit by hand. */

/**
 * Policy tests (.approvals/tests/*.yml), run by `jit-approvals test`: each case evaluates one request against the policies and compares the decision with what it expects.
 */
export interface PolicyTestFile {
/**
 * The test cases in this file.
 * 
 * @minItems 1
 */
tests: [TestCase, ...(TestCase)[]]
}
/**
 * One request and the decision it must get.
 * 
 * This interface was referenced by `PolicyTestFile`'s JSON-Schema
 * via the `definition` "case".
 */
export interface TestCase {
/**
 * What the case checks, shown when it fails.
 */
name: string
request: ExplainRequest
expect: Expectation
}
/**
 * A request to evaluate: the run's context (as the OIDC token gives it), the time, and any votes and team membership. The same object is the file that `jit-approvals explain --request` reads.
 * 
 * This interface was referenced by `PolicyTestFile`'s JSON-Schema
 * via the `definition` "request".
 */
export interface ExplainRequest {
/**
 * The step's `action` input, e.g. `deploy-production`.
 */
action: string
/**
 * `owner/name` of the repository (shown in messages).
 */
repository?: string
/**
 * Git ref of the run, e.g. `refs/heads/main`.
 */
ref: string
/**
 * Commit SHA of the run.
 */
sha?: string
/**
 * Event that triggered the run (`event_name`), e.g. `push`.
 */
event: string
/**
 * Deployment environment of the job; leave out when the job has none.
 */
environment?: string
/**
 * Workflow file path, e.g. `.github/workflows/deploy.yml`.
 */
workflow: string
/**
 * Login that started the run (`actor`).
 */
actor: string
/**
 * Login that started this attempt (`triggering_actor`): on a re-run, whoever re-ran it. Both count as the actor. Default: the same as `actor`.
 */
triggering_actor?: string
/**
 * The step's `reason` input.
 */
reason?: string
/**
 * The step asks for a break-glass override (the action's `emergency: true`): where only freezes and windows deny the request, and every policy denying it has `break_glass`, it waits for those policies' break-glass approvers instead. Needs a `reason`. Default false.
 */
emergency?: boolean
/**
 * Narrower token permissions the step asks for, `name: level`.
 */
permissions?: {
[k: string]: "read" | "write" | "admin"
}
/**
 * When the decision is made, ISO 8601 with an offset, e.g. `2026-11-23T10:00:00Z`. Required in tests; `explain` uses the current time when it is left out.
 */
time?: string
/**
 * Votes cast so far, in order; a later vote of the same user replaces an earlier one.
 */
votes?: {
/**
 * Login of the voter.
 */
user: string
/**
 * `approve` or `deny`.
 */
decision: ("approve" | "deny")
}[]
/**
 * Active members of teams, `org/team: [logins]`. Leave out pending invitations.
 */
membership?: {
[k: string]: string[]
}
/**
 * When the request was made, ISO 8601 with an offset: with `time`, how long it has waited (for `escalate`). Default: `time` (it has not waited).
 */
requested_at?: string
signals?: Signals
}
/**
 * Live evidence about the commit, as the app would read it from GitHub, for `auto_approve` entries with evidence keys. A kind left out was not read: an entry that needs it does not match. Each kind may instead be `{unreadable: why}`.
 */
export interface Signals {
/**
 * The check runs and commit statuses on the commit (other than the app's and the asking run's), each with its state: `success` (also neutral, skipped), `pending` (still running) or `failure`.
 */
checks?: ({
/**
 * The check run's name or the status's context, e.g. `test (linux)`.
 */
name: string
/**
 * `success` (also neutral and skipped), `pending` (queued or in progress) or `failure` (any other conclusion).
 */
state: ("success" | "pending" | "failure")
/**
 * GitHub's conclusion, shown in messages, e.g. `timed_out`.
 */
conclusion?: string
/**
 * Who reported it: the app's slug (e.g. `github-actions`) for a check run, `statuses` for a commit status. Default `github-actions`.
 */
source?: string
}[] | {
/**
 * Why the app could not read it (an API error, a missing permission): an entry that needs it does not match.
 */
unreadable: string
})
/**
 * The merged pull request the commit came through, or `null` when it came through none. `approved_by`: reviewers whose last review before the merge approved (dismissed reviews left out), as logins or `{login, teams}` with the teams they are active members of.
 */
pull_request?: (null | {
/**
 * The pull request's number.
 */
number: number
/**
 * Login of its author (never counted as a reviewer).
 */
author: string
/**
 * Reviewers whose last review before the merge approved: logins, or `{login, teams}`.
 */
approved_by: (string | {
/**
 * The reviewer's login.
 */
login: string
/**
 * Teams (`org/team-slug`) the reviewer is an active member of.
 */
teams?: string[]
})[]
} | {
/**
 * Why the app could not read it (an API error, a missing permission): an entry that needs it does not match.
 */
unreadable: string
})
/**
 * What changed since the last commit the policy approved for the same action and environment, or `null` when it approved none. `files`: paths, or `{path, lines}` with lines changed.
 */
changes?: (null | {
/**
 * That commit's SHA.
 */
base: string
/**
 * The files changed since `base`: paths, or `{path, lines}`.
 */
files: (string | {
/**
 * The file's path.
 */
path: string
/**
 * Lines changed in it (added plus deleted); default 0.
 */
lines?: number
})[]
} | {
/**
 * Why the app could not read it (an API error, a missing permission): an entry that needs it does not match.
 */
unreadable: string
})
/**
 * Whether GitHub verified the commit's signature.
 */
verified_commit?: (boolean | {
/**
 * Why the app could not read it (an API error, a missing permission): an entry that needs it does not match.
 */
unreadable: string
})
}
/**
 * What the decision must be. Keys left out are not checked.
 * 
 * This interface was referenced by `PolicyTestFile`'s JSON-Schema
 * via the `definition` "expect".
 */
export interface Expectation {
/**
 * `approved`, `denied` or `pending`.
 */
outcome: ("approved" | "denied" | "pending")
/**
 * Whether the decision was made without votes.
 */
auto?: boolean
/**
 * The governing policies, in any order.
 */
policies?: string[]
/**
 * The token permissions granted, or null for no token.
 */
token?: ({
[k: string]: "read" | "write" | "admin"
} | null)
/**
 * Texts that must each appear in one of the decision's reasons.
 */
reasons?: string[]
/**
 * Whether break-glass overrides a freeze or windows for the request: an emergency request, with a reason, that only the time rules of policies with `break_glass` deny. Which policies it overrides appears in the reasons (`BREAK-GLASS: ...`).
 */
break_glass?: boolean
}
