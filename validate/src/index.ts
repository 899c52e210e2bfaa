// The policy-check action's command (validate/action.yml): the jit-approvals CLI, bundled into
// validate/dist/index.js so the action needs no install step.
import { processIo } from '../../app/cli/io.ts';
import { main } from '../../app/cli/main.ts';

/** Set by the bundler from package.json. */
declare const JIT_APPROVALS_VERSION: string;

process.exitCode = await main(process.argv.slice(2), { ...processIo, version: JIT_APPROVALS_VERSION });
