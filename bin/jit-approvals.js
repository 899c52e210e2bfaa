#!/usr/bin/env node
// The `jit-approvals` command. Runs the compiled CLI (npm run build, done by npm ci / npm install).
const [major] = process.versions.node.split('.').map(Number);
if (major < 22) {
  process.stderr.write(`jit-approvals needs Node.js 22.12 or later; this is ${process.version}.\n`);
  process.exit(2);
}
try {
  const { main } = await import('../dist/app/cli/main.js');
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  if (err?.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/app/cli/main.js')) {
    process.stderr.write('jit-approvals is not built yet: run `npm run build` in its directory.\n');
    process.exit(2);
  }
  throw err;
}
