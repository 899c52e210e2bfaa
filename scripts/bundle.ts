// Bundles with esbuild, so that what runs needs no node_modules:
//   node scripts/bundle.ts server     app/main.ts -> dist/server/main.mjs (the container image, systemd)
//   node scripts/bundle.ts validate   the CLI -> validate/dist/index.js (the policy-check action; committed)
//   node scripts/bundle.ts cli        the CLI -> dist/cli/jit-approvals.mjs (the release's single file)
// Tests build the same bundles into a directory of their own with `bundle(name, outdir)`.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions, type Plugin } from 'esbuild';

const root = fileURLToPath(new URL('../', import.meta.url));
const { version } = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string };

/** CommonJS dependencies (pg, pino, probot's) call `require`; an ES module has none of its own. */
const REQUIRE =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

/** `audit` (app/cli/audit.ts) replaced by a stub that says it is not there. */
const withoutAudit: Plugin = {
  name: 'without-audit',
  setup(b) {
    b.onResolve({ filter: /^\.\/audit\.ts$/ }, (args) =>
      args.importer.endsWith('/app/cli/main.ts') ? { path: `${root}validate/src/no-audit.ts` } : undefined,
    );
  },
};

export const BUNDLES = {
  server: {
    entryPoints: { main: `${root}app/main.ts` },
    outExtension: { '.js': '.mjs' },
    target: 'node22',
    // pg loads its optional native binding only when asked for `pg.native`, which the app never is.
    external: ['pg-native'],
  },
  validate: {
    entryPoints: { index: `${root}validate/src/index.ts` },
    // The runner's node: 20 or later (the action checks).
    target: 'node20',
    define: { JIT_APPROVALS_VERSION: JSON.stringify(version) },
    // `audit` reads the app's store: not part of the action, so pg and node:sqlite stay out.
    plugins: [withoutAudit],
  },
  cli: {
    // The whole command, audit included, as one file a release attaches: `node jit-approvals.mjs`
    // on Node 20 or later, or run as it is (its first line finds node). audit loads node:sqlite or
    // pg only when it reads a store.
    entryPoints: { 'jit-approvals': `${root}validate/src/index.ts` },
    outExtension: { '.js': '.mjs' },
    target: 'node20',
    define: { JIT_APPROVALS_VERSION: JSON.stringify(version) },
    external: ['pg-native'],
    banner: { js: `#!/usr/bin/env node\n${REQUIRE}` },
  },
} satisfies Record<string, BuildOptions>;

/** The directory each bundle goes to. */
export const OUTDIR = {
  server: `${root}dist/server`,
  validate: `${root}validate/dist`,
  cli: `${root}dist/cli`,
};

export type BundleName = keyof typeof BUNDLES;

/** Builds one bundle into `outdir`; returns the files written, relative to it. */
export async function bundle(name: BundleName, outdir: string = OUTDIR[name]): Promise<string[]> {
  return (await bundleWithInputs(name, outdir)).files;
}

/** Builds one bundle; the files written, and the source files in it (for the release's SBOM). */
export async function bundleWithInputs(
  name: BundleName,
  outdir: string = OUTDIR[name],
): Promise<{ files: string[]; inputs: string[] }> {
  const result = await build({
    banner: { js: REQUIRE },
    ...BUNDLES[name],
    bundle: true,
    platform: 'node',
    format: 'esm',
    minify: true,
    legalComments: 'none',
    outdir,
    absWorkingDir: root,
    metafile: true,
    logLevel: 'warning',
  });
  const outputs = Object.values(result.metafile.outputs);
  return {
    files: Object.keys(result.metafile.outputs).map((f) => f.slice(f.lastIndexOf('/') + 1)),
    inputs: outputs.flatMap((o) => Object.keys(o.inputs)),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const names = process.argv.slice(2) as BundleName[];
  if (names.length === 0 || names.some((n) => !(n in BUNDLES))) {
    console.error(`usage: node scripts/bundle.ts ${Object.keys(BUNDLES).join('|')} ...`);
    process.exit(2);
  }
  for (const name of names) console.log(`${OUTDIR[name]}: ${(await bundle(name)).join(', ')}`);
}
