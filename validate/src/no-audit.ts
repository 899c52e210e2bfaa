// Stands in for app/cli/audit.ts in the policy-check action's bundle: `audit` reads the app's
// store (node:sqlite, pg), which an action that checks policy files has no use for.
import { CliError } from '../../app/cli/cli-error.ts';

export function auditCommand(): Promise<number> {
  throw new CliError(
    'audit is not part of the policy-check action',
    "run `audit` with the release's jit-approvals.mjs, or `node bin/jit-approvals.js audit …` in the app's checkout, where the app keeps its store",
  );
}
