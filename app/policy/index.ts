// The pure policy engine: parse, validate, compile, evaluate. No I/O, no clock.
export { evaluate } from './evaluate.ts';
export { loadPolicies, type LoadResult } from './load.ts';
export type { SourceFile } from './parse-file.ts';
export type { CompiledPolicy } from './compiled.ts';
export type { Decision, Outcome, Reason, Requirement, TokenGrant } from './decision.ts';
export type { ApprovalRequest, Membership, Vote } from './request.ts';
export { formatPolicyError, type PolicyError } from './errors.ts';
