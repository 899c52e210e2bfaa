import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RouteTable } from './routing.ts';
import { loadSpec } from './spec.ts';
import { SpecValidator } from './validation.ts';

interface Recorded {
  reqheaders?: Record<string, string>;
  method: string;
  path: string;
  status: number;
  response: unknown;
  responseIsBinary?: boolean;
}

const require = createRequire(import.meta.url);
const scenarios = join(
  dirname(require.resolve('@octokit/fixtures/package.json')),
  'scenarios',
  'api.github.com',
);
const recorded = readdirSync(scenarios).flatMap((name) =>
  (JSON.parse(readFileSync(join(scenarios, name, 'normalized-fixture.json'), 'utf8')) as Recorded[]).map(
    (r) => ({ scenario: name, ...r }),
  ),
);

/**
 * Fields GitHub added after a response was recorded: the current description requires them, the
 * old recording lacks them. Listed exactly, so that any other mismatch still fails.
 */
const KNOWN_DRIFT: Record<string, string[]> = {
  'get-repository get /repos/octokit-fixture-org/hello-world': [
    "response 200 must have required property 'has_discussions'",
  ],
};

describe("GitHub's recorded responses (@octokit/fixtures)", () => {
  const spec = loadSpec();
  const routes = new RouteTable(spec);
  const validator = new SpecValidator(spec);
  // Raw media types (`application/vnd.github.raw`) answer with the file itself, not JSON.
  const json = (r: Recorded): boolean => !r.responseIsBinary && !/raw|html/.test(r.reqheaders?.accept ?? '');
  const served = recorded.filter((r) => json(r) && routes.match(r.method, r.path.split('?')[0]!));

  it('include responses of routes the simulator serves', () => {
    expect(new Set(served.map((r) => routes.match(r.method, r.path.split('?')[0]!)!.op.id))).toEqual(
      new Set([
        'issues/create',
        'issues/list-for-repo',
        'repos/get',
        'repos/get-content',
        'repos/get-combined-status-for-ref',
        'repos/create-commit-status',
      ]),
    );
  });

  it.each(served.map((r) => [`${r.scenario}: ${r.method.toUpperCase()} ${r.path} ${r.status}`, r]))(
    '%s validates against the description the simulator uses',
    (_, r) => {
      const { op } = routes.match(r.method, r.path.split('?')[0]!)!;
      const problems = validator.response(
        op,
        r.status,
        r.status === 304 || r.status === 204 ? undefined : r.response,
      );
      expect(problems).toEqual(KNOWN_DRIFT[`${r.scenario} ${r.method} ${r.path}`] ?? []);
    },
  );
});
