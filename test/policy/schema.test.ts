import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { policyFileValidator } from '../../app/policy/schema.ts';
import {
  GENERATED,
  readGitHubAppPermissions,
  readJson,
  renderTypes,
  renderValidators,
  VALIDATORS,
} from '../../scripts/policy-schema-sources.ts';

it('the committed validators are precompiled from the schemas (npm run schema:sync)', async () => {
  expect(await readFile(VALIDATORS, 'utf8')).toBe(await renderValidators());
});

/** Every place in a schema where a property is declared, with its JSON pointer. */
function properties(schema: unknown, path = '#'): [string, Record<string, unknown>][] {
  if (schema === null || typeof schema !== 'object') return [];
  const out: [string, Record<string, unknown>][] = [];
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'properties' && value && typeof value === 'object') {
      for (const [name, prop] of Object.entries(value as Record<string, Record<string, unknown>>)) {
        out.push([`${path}/properties/${name}`, prop]);
      }
    }
    out.push(...properties(value, `${path}/${key}`));
  }
  return out;
}

describe.each(GENERATED)('$schema.pathname', ({ schema: schemaUrl, types }) => {
  it('the committed TypeScript types are generated from the schema (npm run schema:sync)', async () => {
    const schema = await readJson(schemaUrl);
    expect(await readFile(types, 'utf8')).toBe(await renderTypes(schema));
  });

  it('describes every property, for editors', async () => {
    const missing = properties(await readJson(schemaUrl))
      .filter(([, p]) => typeof p.description !== 'string' && typeof p.$ref !== 'string')
      .map(([path]) => path);
    expect(missing).toEqual([]);
  });

  it('rejects unknown keys on every object', async () => {
    const open: string[] = [];
    const walk = (node: unknown, path: string): void => {
      if (node === null || typeof node !== 'object') return;
      const n = node as Record<string, unknown>;
      if (n.type === 'object' && n.additionalProperties === undefined) open.push(path);
      for (const [k, v] of Object.entries(n)) walk(v, `${path}/${k}`);
    };
    walk(await readJson(schemaUrl), '#');
    expect(open).toEqual([]);
  });
});

describe('token permissions', () => {
  it("are exactly GitHub's app permissions, names and levels, from its REST description", async () => {
    const schema = await readJson(GENERATED[0].schema);
    const declared = (schema.$defs as Record<string, { properties: Record<string, { enum: string[] }> }>)
      .permissions!.properties;
    const github = await readGitHubAppPermissions();
    expect(Object.fromEntries(Object.entries(declared).map(([k, v]) => [k, v.enum]))).toEqual(
      Object.fromEntries(Object.entries(github).map(([k, v]) => [k, v.enum])),
    );
    expect(Object.keys(declared)).toContain('contents');
  });

  it('the validator enforces them', () => {
    const file = (permissions: object): unknown => ({
      version: 1,
      policies: [{ name: 'p', match: {}, approvers: { users: ['a'] }, token: { permissions } }],
    });
    const validate = policyFileValidator();
    expect(validate(file({ contents: 'write', organization_projects: 'admin' }))).toBe(true);
    expect(validate(file({ contents: 'admin' }))).toBe(false);
    expect(validate(file({ workflows: 'read' }))).toBe(false);
    expect(validate(file({ deploy_keys: 'write' }))).toBe(false);
    expect(validate(file({}))).toBe(false);
  });
});
