// Everything the JSON schemas and their TypeScript types are derived from, in one place, so
// that `npm run schema:sync` and the drift test in test/policy/schema.test.ts agree.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { compile } from 'json-schema-to-typescript';
import { Ajv2020 } from 'ajv/dist/2020.js';
import * as standalone from 'ajv/dist/standalone/index.js';

const standaloneCode = standalone.default as unknown as (
  ajv: Ajv2020,
  refs: Record<string, string>,
) => string;

const require = createRequire(import.meta.url);
const root = new URL('../', import.meta.url);

/** Each schema and the TypeScript file generated from it. */
export const GENERATED = [
  { schema: new URL('policies.schema.json', root), types: new URL('app/policy/types.generated.ts', root) },
  {
    schema: new URL('policy-tests.schema.json', root),
    types: new URL('app/policy/tests-types.generated.ts', root),
  },
] as const;

interface PermissionSpec {
  description?: string;
  enum: string[];
}

/** GitHub App permission names and levels, from GitHub's published REST description. */
export async function readGitHubAppPermissions(): Promise<Record<string, PermissionSpec>> {
  const path = require.resolve('@octokit/openapi/generated/api.github.com.json');
  const spec = JSON.parse(await readFile(path, 'utf8')) as {
    components: { schemas: Record<string, { properties: Record<string, PermissionSpec> }> };
  };
  const props = spec.components.schemas['app-permissions']?.properties;
  if (!props) throw new Error('app-permissions is missing from @octokit/openapi');
  return Object.fromEntries(
    Object.entries(props).map(([name, p]) => [name, { description: p.description, enum: p.enum }]),
  );
}

export async function readJson(url: URL): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(url, 'utf8')) as Record<string, unknown>;
}

/** The TypeScript types for a schema, as json-schema-to-typescript renders them. */
export async function renderTypes(schema: Record<string, unknown>): Promise<string> {
  return compile(structuredClone(schema), String(schema.title), {
    bannerComment: '/* Generated from the JSON schema by `npm run schema:sync`; do not edit by hand. */',
    additionalProperties: false,
    unreachableDefinitions: true,
    format: false,
  });
}

/** Where the precompiled validators go (so no run of the CLI or the app compiles a schema). */
export const VALIDATORS = new URL('app/policy/validators.generated.ts', root);

/**
 * The schemas' validators as standalone code (Ajv's own generator, with the options the app used
 * to compile them at run time): `policyFile`, `policy`, `testFile`, `request`.
 */
export async function renderValidators(): Promise<string> {
  const [policies, tests] = [await readJson(GENERATED[0].schema), await readJson(GENERATED[1].schema)];
  const ajv = new Ajv2020({
    allErrors: true,
    verbose: true,
    strict: true,
    code: { source: true, esm: true },
  });
  ajv.addSchema(policies).addSchema(tests);
  const code = standaloneCode(ajv, {
    policyFile: String(policies.$id),
    policy: `${String(policies.$id)}#/$defs/policy`,
    testFile: String(tests.$id),
    request: `${String(tests.$id)}#/$defs/request`,
  });
  const body = code
    .replace(/^"use strict";/, '')
    .replaceAll('require("ajv/dist/runtime/ucs2length").default', 'ucs2length');
  if (body.includes('require('))
    throw new Error('the standalone validators need a module this script does not import');
  return [
    '// @ts-nocheck',
    '/* Generated from the JSON schemas by `npm run schema:sync`; do not edit by hand. */',
    "import ucs2lengthModule from 'ajv/dist/runtime/ucs2length.js';",
    'const ucs2length = ucs2lengthModule.default ?? ucs2lengthModule;',
    body,
    '',
  ].join('\n');
}
