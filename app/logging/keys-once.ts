import type { ChildLoggerOptions, Logger } from 'pino';

const LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal']);
/** The keys pino writes on every line itself. */
const CORE = ['level', 'time', 'pid', 'hostname', 'msg'];

/** A logged object whose keys would repeat one already on the line: those keys get a trailing `_`. */
function renamed(first: unknown, taken: ReadonlySet<string>): unknown {
  if (first === null || typeof first !== 'object' || first instanceof Error) return first;
  const clashes = Object.keys(first).filter((k) => taken.has(k));
  if (clashes.length === 0) return first;
  const copy: Record<string, unknown> = { ...first };
  for (const key of clashes) {
    copy[`${key}_`] = copy[key];
    delete copy[key];
  }
  return copy;
}

/**
 * `root` writing each key once per JSON line. pino appends a child's bindings to its parent's and
 * the logged object after both, so Probot's `child({ name: 'probot' })`, then
 * `child({ name: 'github' })`, then `debug({ name: 'approval: deploy-web', … })` (a check run's
 * parameters) would write `"name"` three times; a parser keeps one, a log collector may keep any
 * or refuse the line. Here a child is made from the root with every binding so far (later ones
 * win), and a logged object's key that a binding or pino already wrote is written as `<key>_`.
 */
export function keysOnce(root: Logger, bound: Record<string, unknown> = {}, self: Logger = root): Logger {
  const taken = new Set([...CORE, ...Object.keys(bound)]);
  return new Proxy(self, {
    get(target, key) {
      if (key === 'child')
        return (bindings: Record<string, unknown> = {}, options?: ChildLoggerOptions<never>) => {
          const all = { ...bound, ...bindings };
          return keysOnce(root, all, root.child(all, options));
        };
      const value = Reflect.get(target, key, target) as unknown;
      if (typeof key === 'string' && LEVELS.has(key) && typeof value === 'function')
        return (first: unknown, ...rest: unknown[]) =>
          (value as (...args: unknown[]) => void).call(target, renamed(first, taken), ...rest);
      return value;
    },
  });
}
