import * as core from '@actions/core';
import { ActionError } from './errors.ts';
import { run } from './main.ts';

try {
  await run();
  process.exit(0);
} catch (err) {
  core.setFailed(
    err instanceof ActionError ? err.message : `jit-approvals failed unexpectedly: ${(err as Error).message}`,
  );
  process.exit(1);
}
