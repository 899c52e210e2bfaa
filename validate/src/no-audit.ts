// Stands in for app/cli/audit.ts in the policy-check action's bundle: `audit` reads the app's
// store (node:sqlite, pg), which an action that checks policy files has no use for.
import { CliError } from '../../app/cli/cli-error.ts';

export function auditCommand(): Promise<number> {
  throw new CliError(
    'audit is not part of the policy-check action',
    'run `npx jit-approvals audit ...` where the app keeps its store',
  );
}
