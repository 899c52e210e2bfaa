// GitHub's REST description (@octokit/openapi), cut down to the operations the simulator serves,
// normalised for ajv, and cached on disk so that a test starts the simulator in milliseconds.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** Operations the simulator serves, by GitHub's operationId. */
export const SERVED = [
  'issues/list-comments',
  'repos/list-comments-for-commit',
  'issues/list-for-repo',
  'actions/get-pending-deployments-for-run',
  'actions/get-workflow-run-attempt',
  'apps/get-authenticated',
  'apps/get-repo-installation',
  'apps/list-installations',
  'apps/create-installation-access-token',
  'apps/revoke-installation-access-token',
  'repos/get',
  'repos/get-content',
  'repos/get-collaborator-permission-level',
  'checks/create',
  'checks/update',
  'checks/get',
  'checks/list-for-ref',
  'checks/list-suites-for-ref',
  'repos/create-commit-status',
  'repos/get-combined-status-for-ref',
  'repos/list-pull-requests-associated-with-commit',
  'pulls/list-reviews',
  'repos/compare-commits-with-basehead',
  'repos/get-commit',
  'teams/get-membership-for-user-in-org',
  'pulls/get',
  'issues/create-comment',
  'issues/update-comment',
  'issues/create',
  'issues/update',
  'repos/create-commit-comment',
  'repos/update-commit-comment',
  'reactions/create-for-issue-comment',
  'reactions/create-for-commit-comment',
  'actions/review-custom-gates-for-run',
  'actions/get-job-for-workflow-run',
  'actions/get-workflow-run',
  'users/get-authenticated',
  'users/get-by-username',
  'users/get-by-id',
  'apps/delete-token',
  'apps/create-from-manifest',
] as const;
export type OperationId = (typeof SERVED)[number];

type Json = Record<string, unknown>;

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  schema: Json;
  multiSegment: boolean;
}

export interface Operation {
  id: OperationId;
  method: string;
  path: string;
  parameters: Parameter[];
  /** JSON pointer into the spec document of the request body schema, if any. */
  hasBody: boolean;
  bodyRequired: boolean;
  /** Documented response statuses, with whether each has a JSON body. */
  responses: Record<string, boolean>;
}

/** What the simulator keeps of the description: its operations and the schemas they use. */
export interface SpecSubset {
  version: string;
  operations: Operation[];
  /** Every route of api.github.com, to tell "not served here" from "not GitHub at all". */
  allRoutes: [string, string][];
  /** `{ components: { schemas }, operations: { id: { body, responses } } }` for ajv. */
  document: Json;
}

/** OpenAPI 3.0 `nullable` as JSON Schema: ajv does not know the keyword. */
export function normalise(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(normalise);
  if (node === null || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'nullable' || k === 'example' || k === 'examples' || k === 'discriminator') continue;
    out[k] = k === 'enum' || k === 'required' || k === 'const' ? v : normalise(v);
  }
  if ((node as Json).nullable !== true) return out;
  if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  if (typeof out.type === 'string') return { ...out, type: [out.type, 'null'] };
  if (Array.isArray(out.type))
    return out.type.includes('null') ? out : { ...out, type: [...out.type, 'null'] };
  return { anyOf: [out, { type: 'null' }] };
}

function resolve(spec: Json, value: unknown): Json {
  let v = value as Json;
  while (typeof v?.$ref === 'string') {
    v = (v.$ref as string)
      .slice(2)
      .split('/')
      .reduce<unknown>((o, k) => (o as Json)[k.replaceAll('~1', '/').replaceAll('~0', '~')], spec) as Json;
  }
  return v;
}

/** Names of `#/components/schemas/*` reachable from `node`. */
function collectSchemaRefs(spec: Json, node: unknown, into: Set<string>): void {
  if (Array.isArray(node)) return node.forEach((n) => collectSchemaRefs(spec, n, into));
  if (node === null || typeof node !== 'object') return;
  const ref = (node as Json).$ref;
  if (typeof ref === 'string' && ref.startsWith('#/components/schemas/')) {
    const name = ref.slice('#/components/schemas/'.length);
    if (into.has(name)) return;
    into.add(name);
    collectSchemaRefs(spec, resolve(spec, node), into);
    return;
  }
  for (const v of Object.values(node)) collectSchemaRefs(spec, v, into);
}

function extract(spec: Json, version: string): SpecSubset {
  const paths = spec.paths as Record<string, Record<string, Json>>;
  const operations: Operation[] = [];
  const opSchemas: Json = {};
  const schemaNames = new Set<string>();
  const allRoutes: [string, string][] = [];
  for (const [path, item] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (typeof op !== 'object' || !op || !('operationId' in op)) continue;
      allRoutes.push([method.toUpperCase(), path]);
      const id = op.operationId as OperationId;
      if (!SERVED.includes(id)) continue;
      const parameters = ((op.parameters as unknown[]) ?? []).map((p) => resolve(spec, p));
      const body = resolve(spec, op.requestBody);
      const bodySchema = (body?.content as Json | undefined)?.['application/json'] as Json | undefined;
      const responses: Record<string, boolean> = {};
      const responseSchemas: Json = {};
      for (const [status, r] of Object.entries(op.responses as Json)) {
        const response = resolve(spec, r);
        const content = response.content as Record<string, Json> | undefined;
        const json = content?.['application/json'] ?? content?.['application/scim+json'];
        responses[status] = json?.schema !== undefined;
        if (json?.schema) responseSchemas[status] = json.schema;
      }
      const op2: Json = { body: bodySchema?.schema ?? null, responses: responseSchemas, params: {} };
      for (const p of parameters) (op2.params as Json)[`${p.in}:${p.name}`] = p.schema;
      collectSchemaRefs(spec, op2, schemaNames);
      opSchemas[id] = normalise(op2);
      operations.push({
        id,
        method: method.toUpperCase(),
        path,
        parameters: parameters.map((p) => ({
          name: p.name as string,
          in: p.in as Parameter['in'],
          required: p.required === true,
          schema: normalise(p.schema) as Json,
          multiSegment: p['x-multi-segment'] === true,
        })),
        hasBody: bodySchema !== undefined,
        bodyRequired: body?.required === true,
        responses,
      });
    }
  }
  const missing = SERVED.filter((id) => !operations.some((o) => o.id === id));
  if (missing.length > 0)
    throw new Error(`@octokit/openapi ${version} has no operation ${missing.join(', ')}`);
  const components = spec.components as { schemas: Json };
  const schemas: Json = {};
  for (const name of schemaNames) schemas[name] = normalise(components.schemas[name]);
  return { version, operations, allRoutes, document: { components: { schemas }, operations: opSchemas } };
}

let loaded: SpecSubset | undefined;

/** Reads the full 13 MB description and extracts the subset (what the disk cache saves). */
export function buildSpecSubset(): SpecSubset {
  const pkgPath = require.resolve('@octokit/openapi/package.json');
  const version = (JSON.parse(readFileSync(pkgPath, 'utf8')) as { version: string }).version;
  const spec = JSON.parse(
    readFileSync(join(dirname(pkgPath), 'generated', 'api.github.com.json'), 'utf8'),
  ) as Json;
  return extract(spec, version);
}

/**
 * The subset for the installed @octokit/openapi. The first run in a checkout extracts it from the
 * 13 MB description (about a second); later runs read the cached subset.
 */
export function loadSpec(): SpecSubset {
  if (loaded) return loaded;
  const pkgPath = require.resolve('@octokit/openapi/package.json');
  const version = (JSON.parse(readFileSync(pkgPath, 'utf8')) as { version: string }).version;
  const key = createHash('sha256')
    .update(`${version}\n${SERVED.join('\n')}\n${normalise.toString()}`)
    .digest('hex')
    .slice(0, 16);
  const cacheFile = join(dirname(pkgPath), '..', '..', '.cache', 'jit-approvals', `github-spec-${key}.json`);
  try {
    loaded = JSON.parse(readFileSync(cacheFile, 'utf8')) as SpecSubset;
    return loaded;
  } catch {
    // Not cached yet: extract below.
  }
  const spec = JSON.parse(
    readFileSync(join(dirname(pkgPath), 'generated', 'api.github.com.json'), 'utf8'),
  ) as Json;
  loaded = extract(spec, version);
  mkdirSync(dirname(cacheFile), { recursive: true });
  writeFileSync(`${cacheFile}.${process.pid}`, JSON.stringify(loaded));
  // Rename is atomic: parallel test workers never read a half-written cache.
  renameSync(`${cacheFile}.${process.pid}`, cacheFile);
  return loaded;
}
