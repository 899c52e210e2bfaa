import type { CompiledPolicy } from './compiled.ts';
import type { Reason, TokenGrant } from './decision.ts';
import { formatDuration } from './duration.ts';
import { formatPermissions, intersectPermissions, lowerLevel, type Level } from './permissions.ts';
import type { ApprovalRequest } from './request.ts';

/** The token an approval grants: intersection over the governing policies, narrowed by the step. */
export function grantToken(
  governing: readonly CompiledPolicy[],
  request: ApprovalRequest,
): { token: TokenGrant | null; reason: Reason } {
  const granting = governing.filter((p) => p.token !== null);
  const names = granting.map((p) => `"${p.name}"`).join(', ');
  if (granting.length === 0) {
    return { token: null, reason: { rule: 'token', message: 'no token: no governing policy grants one' } };
  }
  let permissions = intersectPermissions(granting.map((p) => p.token!.permissions));
  const notes: string[] = [];
  const asked = request.permissions;
  if (asked) {
    const narrowed: Record<string, Level> = {};
    for (const [name, level] of Object.entries(permissions)) {
      const want = Object.hasOwn(asked, name) ? asked[name] : undefined;
      if (want) narrowed[name] = lowerLevel(level, want);
    }
    const refused = Object.keys(asked).filter(
      (k) => !Object.hasOwn(permissions, k) || narrowed[k] !== asked[k],
    );
    if (refused.length > 0)
      notes.push(`; not granted as asked: ${refused.map((k) => `${k}: ${asked[k]}`).join(', ')}`);
    permissions = narrowed;
  }
  if (Object.keys(permissions).length === 0) {
    const why = asked
      ? `what the step asked for (${formatPermissions(asked)}) is not within what ${names} allow`
      : `the permissions of ${names} have nothing in common`;
    return { token: null, reason: { rule: 'token', message: `no token: ${why}` } };
  }
  const ttl = Math.min(...granting.map((p) => p.token!.ttlSeconds));
  return {
    token: { permissions, ttl_seconds: ttl },
    reason: {
      rule: 'token',
      message: `token: ${formatPermissions(permissions)} for ${formatDuration(ttl)} (from ${names}${notes.join('')})`,
    },
  };
}
