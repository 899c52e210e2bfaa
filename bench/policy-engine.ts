// Policy engine benchmarks: compile time by policy count, and decisions per second.
import { evaluate } from '../app/policy/evaluate.ts';
import { loadPolicies } from '../app/policy/load.ts';
import type { CompiledPolicy } from '../app/policy/compiled.ts';
import type { ApprovalRequest, Membership, Vote } from '../app/policy/request.ts';
import type { SourceFile } from '../app/policy/parse-file.ts';

const POLICIES_PER_FILE = 50;

/** A realistic policy: most deploys need people, some have windows, freezes, bots and tokens. */
function policyYaml(i: number): string {
  const env = i % 2 === 0 ? 'production' : 'staging';
  const lines = [
    `  - name: svc-${i}-${env}`,
    `    description: Deploys of service ${i} to ${env}.`,
    `    match:`,
    `      action: ["deploy-svc${i}", "deploy-svc${i}-*"]`,
    `      environment: [${env}]`,
    `      ref: ["refs/heads/main", "refs/tags/v*"]`,
    `    approvers:`,
    `      users: [lead-${i}, sre-${i % 7}]`,
    `      teams: [acme/team-${i % 10}]`,
    `    required: ${1 + (i % 2)}`,
  ];
  if (i % 3 === 0) {
    lines.push(
      `    windows:`,
      `      - days: [mon, tue, wed, thu, fri]`,
      `        hours: "08:00-18:00"`,
      `        timezone: ${['Europe/Berlin', 'America/New_York', 'Asia/Tokyo'][i % 3 === 0 ? (i / 3) % 3 : 0]}`,
    );
  }
  if (i % 5 === 0) {
    lines.push(
      `    freeze:`,
      `      - { from: "2026-12-20T00:00:00Z", until: "2027-01-04T00:00:00Z", reason: Holidays }`,
    );
  }
  if (i % 4 === 1)
    lines.push(`    auto_approve:`, `      - { actor: ["renovate[bot]"], ref: [refs/heads/main] }`);
  if (i % 6 !== 5) {
    lines.push(`    token:`, `      permissions: { contents: write, deployments: write }`, `      ttl: 15m`);
  }
  return lines.join('\n');
}

export function policySources(count: number): SourceFile[] {
  const files: SourceFile[] = [];
  for (let start = 0; start < count; start += POLICIES_PER_FILE) {
    const body: string[] = [];
    for (let i = start; i < Math.min(count, start + POLICIES_PER_FILE); i++) body.push(policyYaml(i));
    files.push({ path: `.approvals/p${start}.yml`, content: `version: 1\npolicies:\n${body.join('\n')}\n` });
  }
  return files;
}

/**
 * The same policies with action patterns that start with a glob (`*-svc7`, `*-svc7-web`): no
 * literal prefix to index them by, only a literal suffix.
 */
export function leadingWildcardSources(count: number): SourceFile[] {
  return policySources(count).map((s) => ({
    ...s,
    content: String(s.content).replace(
      /action: \["deploy-svc(\d+)", "deploy-svc\d+-\*"\]/g,
      'action: ["*-svc$1", "*-svc$1-web"]',
    ),
  }));
}

/** The same policies with globs at both ends of each action pattern (`*-svc7-*`). */
export function bothEndsSources(count: number): SourceFile[] {
  return policySources(count).map((s) => ({
    ...s,
    content: String(s.content).replace(
      /action: \["deploy-svc(\d+)", "deploy-svc\d+-\*"\]/g,
      'action: ["*-svc$1", "*-svc$1-*"]',
    ),
  }));
}

/** The same policies with literal action patterns only (`deploy-svc7`, `deploy-svc7-web`). */
export function literalSources(count: number): SourceFile[] {
  return policySources(count).map((s) => ({
    ...s,
    content: String(s.content).replace(
      /action: \["deploy-svc(\d+)", "deploy-svc\d+-\*"\]/g,
      'action: ["deploy-svc$1", "deploy-svc$1-web"]',
    ),
  }));
}

export function compilePolicies(count: number, sources = policySources(count)): CompiledPolicy[] {
  const result = loadPolicies(sources);
  if (!result.ok) throw new Error(`benchmark policies are invalid: ${result.errors[0]?.message}`);
  return result.policies;
}

interface Input {
  request: ApprovalRequest;
  votes: Vote[];
  membership: Membership;
  now: number;
}

/**
 * The request mix: 40% pending with one vote, 20% approved by two votes (one through a team),
 * 15% bot auto-approvals, 15% with no governing policy, 10% in the holiday freeze.
 */
export function requestMix(policyCount: number, size = 1_000): Input[] {
  const monday = Date.parse('2026-11-23T10:00:00Z');
  const freeze = Date.parse('2026-12-22T10:00:00Z');
  const inputs: Input[] = [];
  for (let n = 0; n < size; n++) {
    const i = (n * 7919) % policyCount;
    const env = i % 2 === 0 ? 'production' : 'staging';
    const base: ApprovalRequest = {
      action: `deploy-svc${i}-web`,
      repository: 'acme/shop',
      ref: 'refs/heads/main',
      event: 'push',
      environment: env,
      workflow: '.github/workflows/deploy.yml',
      actor: 'dev-dana',
      reason: 'release',
    };
    const kind = n % 20;
    const membership: Membership = { [`acme/team-${i % 10}`]: ['teammate', 'other'] };
    if (kind < 8)
      inputs.push({
        request: base,
        votes: [{ user: `lead-${i}`, decision: 'approve' }],
        membership,
        now: monday,
      });
    else if (kind < 12) {
      const votes: Vote[] = [
        { user: `lead-${i}`, decision: 'approve' },
        { user: 'teammate', decision: 'approve' },
      ];
      inputs.push({ request: base, votes, membership, now: monday });
    } else if (kind < 15) {
      const j = i - (i % 4) + 1 < policyCount ? i - (i % 4) + 1 : 1;
      const bot = {
        ...base,
        action: `deploy-svc${j}`,
        environment: j % 2 === 0 ? 'production' : 'staging',
        actor: 'renovate[bot]',
      };
      inputs.push({ request: bot, votes: [], membership: {}, now: monday });
    } else if (kind < 18) {
      inputs.push({ request: { ...base, action: 'drop-database' }, votes: [], membership: {}, now: monday });
    } else {
      const k = i - (i % 5);
      const frozen = {
        ...base,
        action: `deploy-svc${k}`,
        environment: k % 2 === 0 ? 'production' : 'staging',
      };
      inputs.push({ request: frozen, votes: [], membership: {}, now: freeze });
    }
  }
  return inputs;
}

/** Median of `runs` timings of `fn`, in milliseconds. */
export function medianMs(runs: number, fn: () => void): number {
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/** Decisions per second over about `seconds` of evaluation (after a warm-up), on this one thread. */
export function decisionsPerSecond(
  policies: readonly CompiledPolicy[],
  inputs: readonly Input[],
  seconds = 2,
): {
  rate: number;
  outcomes: Record<string, number>;
} {
  const outcomes: Record<string, number> = {};
  for (const x of inputs) {
    const d = evaluate(policies, x.request, x.votes, x.membership, x.now);
    outcomes[d.outcome] = (outcomes[d.outcome] ?? 0) + 1;
  }
  let done = 0;
  const start = performance.now();
  const until = start + seconds * 1000;
  while (performance.now() < until) {
    for (const x of inputs) evaluate(policies, x.request, x.votes, x.membership, x.now);
    done += inputs.length;
  }
  return { rate: done / ((performance.now() - start) / 1000), outcomes };
}
