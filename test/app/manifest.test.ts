// app.yml, the manifest the app registers from: its events are those the app handles, its
// permissions real ones, the README's table says the same, and every token permission the
// documented policies grant is one the app holds (a token carries only what the app holds).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { policySchema } from '../../app/policy/schema.ts';
import { root } from '../helpers/cli.ts';
import { readDocs } from '../helpers/docs.ts';

const read = (file: string): string => readFileSync(join(root, file), 'utf8');
const manifest = load(read('app.yml')) as {
  default_events: string[];
  default_permissions: Record<string, string>;
};
const RANK: Record<string, number> = { read: 1, write: 2, admin: 3 };

/** The rows of the docs' table whose first column header is `header`, as [name, ...cells]. */
function table(header: string): string[][] {
  const readme = readDocs(); // README.md and docs/*.md
  const at = readme.indexOf(`| ${header} `, readme.indexOf('# Permissions and events'));
  return readme
    .slice(at)
    .split('\n\n')[0]!
    .split('\n')
    .slice(2)
    .map((row) =>
      row
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim().replace(/^`|`$/g, '')),
    );
}

/** Every `token.permissions` in a parsed policy file (or any YAML), wherever it is nested. */
function grants(node: unknown, into: [string, string][] = []): [string, string][] {
  if (Array.isArray(node)) node.forEach((n) => grants(n, into));
  else if (node && typeof node === 'object') {
    const { token } = node as { token?: { permissions?: Record<string, string> } };
    for (const [name, level] of Object.entries(token?.permissions ?? {})) into.push([name, level]);
    Object.values(node).forEach((n) => grants(n, into));
  }
  return into;
}

describe('app.yml', () => {
  it('subscribes to exactly the events the app handles', () => {
    const registered = read('app/webhooks/register.ts');
    // The events named by `app.on(...)` (its first argument: a name or a list of names).
    const names = [...registered.matchAll(/app\.on\(\s*(\[[^\]]*\]|'[^']*')/g)].flatMap((m) =>
      [...m[1]!.matchAll(/'([a-z_]+)(?:\.[a-z_]+)?'/g)].map((n) => n[1]!),
    );
    const handled = [...new Set(names)].filter((e) =>
      [
        'check_run',
        'check_suite',
        'status',
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
      contents: 'write',
      deployments: 'write',
      issues: 'write',
      metadata: 'read',
      pull_requests: 'read',
      actions: 'read',
      members: 'read',
    });
    const github = policySchema.$defs.permissions.properties as Record<string, { enum: string[] }>;
    for (const [name, level] of Object.entries(manifest.default_permissions)) {
      expect(github[name]?.enum, `${name}: ${level}`).toContain(level);
    }
  });

  it("is what the README's tables of permissions and events say", () => {
    expect(Object.fromEntries(table('permission').map(([name, level]) => [name, level]))).toEqual(
      manifest.default_permissions,
    );
    expect(table('event').map(([name]) => name)).toEqual(manifest.default_events);
  });

  it('holds every token permission the documented policies and the example workflow grant', () => {
    const policyFiles = ['examples/.approvals', 'examples/org-github/.approvals', 'demo/.approvals'].flatMap(
      (dir) =>
        readdirSync(join(root, dir))
          .filter((f) => f.endsWith('.yml'))
          .map((f) => `${dir}/${f}`),
    );
    const granted = policyFiles.flatMap((f) => grants(load(read(f))).map(([n, l]) => [f, n, l]));
    const readme = [...readDocs().matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
    for (const block of readme.filter((b) => /^version: 1$/m.test(b)))
      granted.push(...grants(load(block)).map(([n, l]) => ['README.md', n, l]));
    const workflow = /permissions: \|\n((?:\s+\w+: \w+\n)+)/.exec(read('examples/workflows/deploy.yml'))![1]!;
    for (const [, n, l] of workflow.matchAll(/(\w+): (\w+)/g)) granted.push(['deploy.yml', n!, l!]);
    expect(granted.length).toBeGreaterThan(5);
    const beyond = granted.filter(
      ([, name, level]) =>
        RANK[manifest.default_permissions[name!] ?? '']! < RANK[level!]! ||
        !(name! in manifest.default_permissions),
    );
    expect(beyond).toEqual([]);
  });
});
