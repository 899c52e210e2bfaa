// `npm run demo`: see demo/run-demo.ts (the scenarios) and demo/cli.ts (the command line).
import { main } from './cli.ts';

const argv = process.argv.slice(2);
// A person at a terminal approving in the browser keeps the sandbox until Ctrl-C.
const code = await main(argv, undefined, Boolean(process.stdout.isTTY) && !argv.includes('--approve-as'));
// Everything is stopped and removed: exit now, before a second Ctrl-C (the launcher passes the
// terminal's on, so it comes twice) could find no handler left and cut the exit short.
process.exit(code);
