// The jit-approvals CLI as one file: bundled into validate/dist/index.js for the policy-check action
// (validate/action.yml, which needs no install step; without `audit`), and into the release's
// jit-approvals.mjs (everything). See scripts/bundle.ts.
import { processIo } from '../../app/cli/io.ts';
import { main } from '../../app/cli/main.ts';

/** Set by the bundler from package.json. */
declare const JIT_APPROVALS_VERSION: string;

process.exitCode = await main(process.argv.slice(2), { ...processIo, version: JIT_APPROVALS_VERSION });
