// Rewrites the permission list in policies.schema.json from GitHub's REST description and
// regenerates the TypeScript types from the schemas. Run after editing a schema.
import { writeFile } from 'node:fs/promises';
import {
  GENERATED,
  VALIDATORS,
  readGitHubAppPermissions,
  readJson,
  renderTypes,
  renderValidators,
} from './policy-schema-sources.ts';

const policySchema = GENERATED[0].schema;
const schema = await readJson(policySchema);
const defs = schema.$defs as Record<string, { properties: Record<string, unknown> }>;
const permissions = await readGitHubAppPermissions();
defs.permissions!.properties = Object.fromEntries(
  Object.entries(permissions).map(([name, p]) => [
    name,
    { description: p.description ?? `The ${name} permission.`, enum: p.enum },
  ]),
);
await writeFile(policySchema, JSON.stringify(schema, null, 2) + '\n');
for (const { schema: from, types } of GENERATED) {
  await writeFile(types, await renderTypes(await readJson(from)));
}
await writeFile(VALIDATORS, await renderValidators());
console.log('The schemas and app/policy/*.generated.ts are up to date.');
