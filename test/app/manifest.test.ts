import { readFileSync } from 'node:fs';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { policySchema } from '../../app/policy/schema.ts';

const manifest = load(readFileSync(new URL('../../app.yml', import.meta.url), 'utf8')) as {
  default_events: string[];
  default_permissions: Record<string, string>;
};

describe('app.yml', () => {
  it('subscribes to exactly the events the app handles', () => {
    const registered = readFileSync(new URL('../../app/webhooks/register.ts', import.meta.url), 'utf8');
    // The events named by `app.on(...)` (its first argument: a name or a list of names).
    const names = [...registered.matchAll(/app\.on\(\s*(\[[^\]]*\]|'[^']*')/g)].flatMap((m) =>
      [...m[1]!.matchAll(/'([a-z_]+)(?:\.[a-z_]+)?'/g)].map((n) => n[1]!),
    );
    const handled = [...new Set(names)].filter((e) =>
      [
        'check_run',
        'push',
        'pull_request',
        'workflow_job',
        'workflow_run',
        'issue_comment',
        'commit_comment',
        'installation',
        'deployment_protection_rule',
      ].includes(e),
    );
    expect([...manifest.default_events].sort()).toEqual(handled.sort());
  });

  it('asks for the permissions the app needs for what it calls, with real names and levels', () => {
    expect(manifest.default_permissions).toMatchObject({
      checks: 'write',
      contents: 'read',
      metadata: 'read',
      pull_requests: 'read',
      members: 'read',
    });
    const github = policySchema.$defs.permissions.properties as Record<string, { enum: string[] }>;
    for (const [name, level] of Object.entries(manifest.default_permissions)) {
      expect(github[name]?.enum, `${name}: ${level}`).toContain(level);
    }
  });
});
