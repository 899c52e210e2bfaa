import { loadPolicies, type LoadResult } from '../../app/policy/load.ts';
import type { CompiledPolicy } from '../../app/policy/compiled.ts';
import { formatPolicyError, type PolicyError } from '../../app/policy/errors.ts';
import type { ApprovalRequest } from '../../app/policy/request.ts';

/** Loads policy files given as `{ path: yaml }`. */
export function load(files: Record<string, string | Uint8Array>, dir?: string): LoadResult {
  return loadPolicies(
    Object.entries(files).map(([path, content]) => ({ path, content })),
    dir,
  );
}

/** Compiles one policy file's text; fails the test with the positioned errors if invalid. */
export function compile(yaml: string): CompiledPolicy[] {
  const result = load({ 'policies.yml': yaml });
  if (!result.ok) throw new Error(result.errors.map(formatPolicyError).join('\n'));
  return result.policies;
}

/** The errors of an invalid set; fails the test when the set is valid. */
export function errorsOf(files: Record<string, string | Uint8Array>): PolicyError[] {
  const result = load(files);
  if (result.ok) throw new Error(`expected errors, but ${result.policies.length} policies loaded`);
  return result.errors;
}

export const request = (over: Partial<ApprovalRequest> = {}): ApprovalRequest => ({
  action: 'deploy-web',
  repository: 'acme/shop',
  ref: 'refs/heads/main',
  event: 'push',
  environment: 'production',
  workflow: '.github/workflows/deploy.yml',
  actor: 'dana',
  reason: 'ship it',
  ...over,
});

/** 2026-11-23 is a Monday. */
export const MONDAY_NOON_UTC = Date.parse('2026-11-23T12:00:00Z');
