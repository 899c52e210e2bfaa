// `npm run demo`: see demo/run-demo.ts.
import { main } from './run-demo.ts';

process.exitCode = await main(process.argv.slice(2));
