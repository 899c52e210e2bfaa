// The first thing every entry point does (the CLI, npm start, npm run demo, npm test): check the
// Node.js version and, when it is too old, say in one line which is needed and how to get it.
// Plain JavaScript with no flags, so that it runs on any Node, including the machines' Node 20.

/** The oldest Node.js that runs everything (`npm ci` included: ESLint 10 needs 22.13). */
export const MINIMUM = '22.13.0';

const newer = (a, b) => {
  const [x, y] = [a, b].map((v) => v.split('.').map(Number));
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] > y[i];
  return true;
};

/**
 * The one-line refusal for `version` (default: this Node's), or undefined when it is new enough.
 * @param {string} what what was being started, e.g. "run the app"
 */
export function nodeProblem(what, version = process.versions.node) {
  if (newer(version, MINIMUM)) return undefined;
  return (
    `jit-approvals needs Node.js 22.13 or later (24 recommended) to ${what}; this is v${version}. ` +
    'Install Node 24 from https://nodejs.org (or `nvm install 24`, or `npm install --prefix ~/.node24 node@24` ' +
    'and put ~/.node24/node_modules/.bin first on PATH), then run this again.'
  );
}

/** Exits with code `exitCode` after the one-line refusal when this Node is too old. */
export function requireNode(what, exitCode = 1) {
  const problem = nodeProblem(what);
  if (problem === undefined) return;
  process.stderr.write(`${problem}\n`);
  process.exit(exitCode);
}
