#!/usr/bin/env node
// The `jit-approvals` command. Runs the compiled CLI (npm run build, done by npm ci / npm install).
import { readFileSync } from 'node:fs';
import { requireNode } from './node-check.js';

requireNode('run the jit-approvals command', 2);
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
try {
  const { main } = await import('../dist/app/cli/main.js');
  const { processIo } = await import('../dist/app/cli/io.js');
  process.exitCode = await main(process.argv.slice(2), { ...processIo, version });
} catch (err) {
  if (err?.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/app/cli/')) {
    process.stderr.write('jit-approvals is not built yet: run `npm run build` in its directory.\n');
    process.exit(2);
  }
  throw err;
}
