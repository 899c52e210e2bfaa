// `npm start`, `npm run demo` and `npm test` run this first, with no flags, so that it works on any
// Node: it checks the version (one line saying what to do when it is too old), then runs the real
// command in a child Node with the flags that command needs, passing signals and the exit code on.
//   node scripts/launch.js start|demo|test [args...]
//   node scripts/launch.js check <what>      only the version check (npm's pre-scripts)
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { requireNode } from '../bin/node-check.js';

const at = (path) => fileURLToPath(new URL(`../${path}`, import.meta.url));

const COMMANDS = {
  // .env in the working directory (npm runs scripts in the package's directory) when present; the
  // environment wins over it. 8 MB semi-spaces: about 100 MB less RSS (BENCHMARKS.md).
  // An IPC channel to the app: if this launcher is killed outright, the channel closes and the app
  // stops too (app/stop-signals.ts), instead of holding its port and DATA_DIR's lock.
  start: {
    what: 'run the app',
    node: ['--env-file-if-exists=.env', '--max-semi-space-size=8', at('dist/app/main.js')],
    ipc: true,
  },
  demo: {
    what: 'run the demo',
    node: ['--experimental-strip-types', '--no-warnings', at('demo/main.ts')],
  },
  test: { what: 'run the tests', node: [at('node_modules/vitest/vitest.mjs'), 'run'] },
};

const [name, ...args] = process.argv.slice(2);
if (name === 'check') {
  requireNode(args.join(' ') || 'run this');
  process.exit(0);
}
const command = COMMANDS[name];
if (!command) {
  process.stderr.write(`usage: node scripts/launch.js ${Object.keys(COMMANDS).join('|')}|check [args]\n`);
  process.exit(2);
}
requireNode(command.what);
const child = spawn(process.execPath, [...command.node, ...args], {
  stdio: command.ipc ? ['inherit', 'inherit', 'inherit', 'ipc'] : 'inherit',
});
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
// npm runs this through a shell that passes no signal on: a SIGTERM to npm ends npm and the shell
// and leaves this process orphaned (its parent becomes another). The app is stopped then, as if
// it had been signalled, so nothing holds its port or DATA_DIR's lock.
const parent = process.ppid;
const orphaned = setInterval(() => {
  if (process.ppid === parent) return;
  clearInterval(orphaned);
  child.kill('SIGTERM');
}, 250);
orphaned.unref();
child.on('exit', (code, signal) => {
  if (signal) {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  } else process.exit(code ?? 1);
});
