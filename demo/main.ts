// `npm run demo`: see demo/run-demo.ts.
import { main } from './run-demo.ts';

const argv = process.argv.slice(2);
// A person at a terminal approving in the browser keeps the sandbox until Ctrl-C.
process.exitCode = await main(
  argv,
  undefined,
  Boolean(process.stdout.isTTY) && !argv.includes('--approve-as'),
);
