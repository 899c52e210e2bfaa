import { describe, expect, it } from 'vitest';
import { MAX_FILE_BYTES } from '../../app/policy/decode.ts';
import { errorsOf, load } from '../helpers/policies.ts';

const VALID = `version: 1
policies:
  - name: prod
    match:
      action: ["deploy-*"]
    approvers:
      users: [alice, bob]
      teams: [acme/sre]
    required: 2
    windows:
      - days: [mon, fri]
        hours: "09:00-17:00"
        timezone: Europe/Berlin
    freeze:
      - from: "2026-12-20T00:00:00Z"
        until: "2027-01-04T00:00:00Z"
    timeout: 30m
    token:
      permissions: { contents: write }
      ttl: 15m
`;

/** VALID with one line replaced; line numbers stay as in VALID. */
const withLine = (n: number, text: string): string => {
  const lines = VALID.split('\n');
  lines[n - 1] = text;
  return lines.join('\n');
};

interface Case {
  name: string;
  text: string | Uint8Array;
  at: [number, number];
  rule: string;
  message: RegExp;
  fix?: RegExp;
}

const CASES: Case[] = [
  {
    name: 'an unclosed [, where it opens (not where YAML gives up, a line later)',
    text: withLine(5, '      action: ["deploy-*"'),
    at: [5, 15],
    rule: 'yaml',
    message: /invalid YAML: the list opened with "\[" here is never closed/,
    fix: /close it with "\]"/,
  },
  {
    name: 'YAML syntax error',
    text: withLine(9, '    required: 2: 3'),
    at: [9, 16],
    rule: 'yaml',
    message: /invalid YAML/,
  },
  {
    name: 'duplicate key',
    text: withLine(9, '    required: 2\n    required: 3'),
    at: [10, 5],
    rule: 'yaml',
    message: /duplicated mapping key/,
    fix: /remove or merge/,
  },
  {
    name: 'version other than 1',
    text: withLine(1, 'version: 2'),
    at: [1, 10],
    rule: 'schema',
    message: /version: must be 1, found number 2/,
    fix: /set it to 1/,
  },
  {
    name: 'unknown key, with a suggestion',
    text: withLine(4, '    matches:'),
    at: [4, 5],
    rule: 'schema',
    message: /unknown key "matches"/,
    fix: /did you mean "match"/,
  },
  {
    name: 'missing required key',
    text: VALID.replace('    match:\n      action: ["deploy-*"]\n', ''),
    at: [3, 5],
    rule: 'schema',
    message: /policies\[0\] \("prod"\): missing required key "match"/,
    fix: /add `match:`/,
  },
  {
    name: 'a scalar where a list belongs',
    text: withLine(5, '      action: deploy-*'),
    at: [5, 15],
    rule: 'schema',
    message: /match\.action: must be a list, found string "deploy-\*"/,
    fix: /write a list: \["deploy-\*"\]/,
  },
  {
    name: 'permission that GitHub does not have',
    text: withLine(19, '      permissions: { contents: write, deploy: write }'),
    at: [19, 39],
    rule: 'schema',
    message: /token\.permissions: unknown key "deploy"/,
    fix: /did you mean "deployments"/,
  },
  {
    name: 'permission level that GitHub does not have',
    text: withLine(19, '      permissions: { workflows: read }'),
    at: [19, 33],
    rule: 'schema',
    message: /workflows: string "read" is not one of write/,
  },
  {
    name: 'invalid glob',
    text: withLine(5, '      action: ["deploy-***"]'),
    at: [5, 16],
    rule: 'glob',
    message: /pattern "deploy-\*\*\*" has `\*\*\*`/,
  },
  {
    name: 'unknown IANA time zone',
    text: withLine(13, '        timezone: Europe/Berlinn'),
    at: [13, 19],
    rule: 'timezone',
    message: /unknown time zone "Europe\/Berlinn"/,
    fix: /IANA time zone/,
  },
  {
    name: 'malformed hours',
    text: withLine(12, '        hours: "9am-5pm"'),
    at: [12, 16],
    rule: 'hours',
    message: /hours "9am-5pm" is not HH:MM-HH:MM/,
  },
  {
    name: 'freeze from after until',
    text: withLine(16, '        until: "2026-12-19T00:00:00Z"'),
    at: [16, 16],
    rule: 'freeze',
    message: /freeze\.until \(2026-12-19T00:00:00Z\) is not after freeze\.from/,
  },
  {
    name: 'freeze from equal to until',
    text: withLine(16, '        until: "2026-12-20T00:00:00Z"'),
    at: [16, 16],
    rule: 'freeze',
    message: /is not after/,
  },
  {
    name: 'freeze date that does not exist',
    text: withLine(15, '      - from: "2026-02-30T00:00:00Z"'),
    at: [15, 15],
    rule: 'freeze',
    message: /freeze\.from: "2026-02-30T00:00:00Z" is not a date-time/,
  },
  {
    name: 'timeout above 24h',
    text: withLine(17, '    timeout: 25h'),
    at: [17, 14],
    rule: 'duration',
    message: /timeout: 25h is out of range/,
    fix: /at most 1d/,
  },
  {
    name: 'ttl above 60m',
    text: withLine(20, '      ttl: 61m'),
    at: [20, 12],
    rule: 'duration',
    message: /token\.ttl: 61m is out of range/,
    fix: /at most 1h/,
  },
  {
    name: 'zero duration',
    text: withLine(17, '    timeout: 0m'),
    at: [17, 14],
    rule: 'duration',
    message: /out of range/,
  },
  {
    name: 'required larger than the listed users when no team is listed',
    text: withLine(8, '      teams: []').replace('required: 2', 'required: 3'),
    at: [9, 15],
    rule: 'required',
    message: /required is 3 but only 2 user\(s\) may approve/,
  },
  {
    name: 'team not in org/slug form',
    text: withLine(8, '      teams: [sre]'),
    at: [8, 15],
    rule: 'team',
    message: /team "sre" is not in org\/team-slug form/,
  },
  {
    name: '__proto__ key',
    text: withLine(4, '    __proto__: { polluted: true }\n    match:'),
    at: [4, 5],
    rule: 'schema',
    message: /unknown key "__proto__"/,
  },
  {
    name: 'constructor key',
    text: withLine(1, 'version: 1\nconstructor: x'),
    at: [2, 1],
    rule: 'schema',
    message: /unknown key "constructor"/,
  },
  {
    name: 'empty file',
    text: '',
    at: [1, 1],
    rule: 'empty',
    message: /file is empty/,
    fix: /version: 1/,
  },
  {
    name: 'a file of comments only',
    text: '# nothing here yet\n',
    at: [1, 1],
    rule: 'empty',
    message: /no content/,
  },
  {
    name: 'non-UTF-8 bytes',
    text: new Uint8Array([...new TextEncoder().encode('version: 1\npolicies:\n  - name: caf'), 0xe9, 0x0a]),
    at: [3, 14],
    rule: 'encoding',
    message: /not valid UTF-8/,
  },
  {
    name: 'file over 1 MiB',
    text: `# ${'x'.repeat(MAX_FILE_BYTES)}\n${VALID}`,
    at: [1, 1],
    rule: 'size',
    message: /larger than 1 MiB/,
  },
  {
    name: 'several YAML documents',
    text: `${VALID}---\n${VALID}`,
    at: [22, 1],
    rule: 'yaml',
    message: /more than one YAML document/,
  },
  {
    name: 'alias bomb',
    text: [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
      'e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]',
      'f: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]',
    ].join('\n'),
    at: [2, 8],
    rule: 'yaml',
    message: /aliases expand the document to more than/,
  },
  {
    name: 'too many aliases',
    text: `a: &a x\nb: [${Array(101).fill('*a').join(', ')}]`,
    at: [2, 406],
    rule: 'yaml',
    message: /alias/,
  },
  {
    name: 'deep nesting',
    text: `${'['.repeat(10_000)}${']'.repeat(10_000)}`,
    at: [1, 32],
    rule: 'yaml',
    message: /invalid YAML/,
  },
];

describe('loading policy files', () => {
  it('loads a valid file', () => {
    const result = load({ 'p.yml': VALID });
    expect(result.ok).toBe(true);
    if (result.ok)
      expect(result.policies.map((p) => [p.name, p.file, p.line])).toEqual([['prod', 'p.yml', 3]]);
  });

  it.each(CASES)('$name: $rule error at line $at.0, column $at.1', (c) => {
    const errors = errorsOf({ '.approvals/p.yml': c.text });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const e = errors.find((x) => x.rule === c.rule && c.message.test(x.message));
    expect(e, JSON.stringify(errors, null, 2)).toBeDefined();
    expect([e!.file, e!.line, e!.column]).toEqual(['.approvals/p.yml', ...c.at]);
    expect(e!.fix.length).toBeGreaterThan(5);
    if (c.fix) expect(e!.fix).toMatch(c.fix);
  });

  it('rejects duplicate policy names across files, naming both places', () => {
    const errors = errorsOf({ 'a.yml': VALID, 'b.yml': `# second\n${VALID}` });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ file: 'b.yml', line: 4, column: 11, rule: 'duplicate_name' });
    expect(errors[0]!.message).toBe('policy name "prod" is already used at a.yml:3:11');
  });

  it('a directory without policy files is an error, not an empty policy set', () => {
    const result = load({}, 'repo/.approvals');
    expect(result).toMatchObject({ ok: false, errors: [{ file: 'repo/.approvals', rule: 'no_policies' }] });
  });

  it('a directory of more than 100 policy files is an error naming the count, and no file is parsed', () => {
    const files = Object.fromEntries(
      Array.from({ length: 101 }, (_, i) => [
        `f${i}.yml`,
        i === 0 ? 'not: [valid' : VALID.replace('prod', `p${i}`),
      ]),
    );
    const result = load(files, 'repo/.approvals');
    expect(result).toMatchObject({
      ok: false,
      errors: [{ file: 'repo/.approvals', rule: 'too_many_files' }],
    });
    expect(result.ok ? [] : result.errors).toHaveLength(1);
    expect(!result.ok && result.errors[0]!.message).toBe(
      'repo/.approvals holds 101 policy files; at most 100 are read',
    );
    delete files['f0.yml'];
    expect(load(files, 'repo/.approvals').ok).toBe(true);
  });

  it('policy files holding more than 1 MiB together: one error, nothing validated', () => {
    const padding = `# ${'x'.repeat(500_000)}\n`;
    const files: Record<string, string> = {
      'a.yml': VALID + padding,
      'b.yml': VALID.replaceAll('name: ', 'name: b-') + padding,
      'c.yml': `${padding}version: 1\npolicies: [{bogus: 1}]\n`,
    };
    const result = load(files, 'repo/.approvals');
    expect(result).toMatchObject({ ok: false, errors: [{ file: 'repo/.approvals', rule: 'too_large' }] });
    expect(result.ok ? [] : result.errors).toHaveLength(1);
    delete files['c.yml'];
    expect(load(files, 'repo/.approvals').ok).toBe(true);
  });

  it('any invalid file fails the whole set: no partial policies', () => {
    const result = load({ 'a.yml': VALID, 'b.yml': withLine(3, '  - name: other\n    bogus: 1') });
    expect(result.ok).toBe(false);
    expect('policies' in result).toBe(false);
  });

  it('reports every schema error of a file, in line order', () => {
    const text = withLine(4, '    matchx:')
      .replace('required: 2', 'required: two')
      .replace('ttl: 15m', 'ttl: soon');
    const errors = errorsOf({ 'p.yml': text });
    expect(errors.map((e) => [e.line, e.rule])).toEqual([
      [3, 'schema'], // missing match
      [4, 'schema'], // unknown matchx
      [9, 'schema'], // required: two
      [20, 'schema'], // ttl: soon
    ]);
  });

  it('a BOM and CRLF line endings are fine', () => {
    const text = `\uFEFF${VALID.replaceAll('\n', '\r\n')}`;
    expect(load({ 'p.yml': text }).ok).toBe(true);
  });

  it('anchors and merge keys work within the limits', () => {
    const text = `version: 1
policies:
  - name: a
    match: { action: [x] }
    approvers: &sre { teams: [acme/sre] }
  - name: b
    match: { action: [y] }
    approvers: *sre
`;
    const result = load({ 'p.yml': text });
    expect(result.ok && result.policies.map((p) => p.teams)).toEqual([['acme/sre'], ['acme/sre']]);
  });
});

describe('every error of a file at once', () => {
  it('the checks beyond the schema run on what the schema did not refuse, in the same run', () => {
    // Before: only the two schema errors; fixing them revealed the other five one run later.
    const text = withLine(4, '    match:\n      enviroment: [production]')
      .replace('required: 2', 'required: 2\n    self_aproval: true')
      .replace('timezone: Europe/Berlin', 'timezone: Mars/Olympus')
      .replace('"09:00-17:00"', '"9-5"')
      .replace('timeout: 30m', 'timeout: 99h')
      .replace('teams: [acme/sre]', 'teams: [acme]')
      .replace('ttl: 15m', 'ttl: 2h');
    const errors = errorsOf({ 'p.yml': text });
    expect(errors.map((e) => `${e.line}:${e.column} ${e.rule}`)).toEqual([
      '5:7 schema', // enviroment
      '9:15 team', // acme
      '11:5 schema', // self_aproval
      '14:16 hours', // 9-5
      '15:19 timezone', // Mars/Olympus
      '19:14 duration', // timeout 99h
      '22:12 duration', // ttl 2h
    ]);
  });

  it('a policy the schema refused still counts for duplicate names', () => {
    const text = `version: 1
policies:
  - name: prod
    match: { action: [a] }
    approvers: { users: [alice] }
    bogus: 1
  - name: prod
    match: { action: [b] }
    approvers: { users: [alice] }
`;
    expect(errorsOf({ 'p.yml': text }).map((e) => `${e.line} ${e.rule}`)).toEqual([
      '6 schema',
      '7 duplicate_name',
    ]);
  });

  it('a policy without name or match gets only its schema errors', () => {
    const text = 'version: 1\npolicies:\n  - approvers: { users: [alice] }\n    timeout: 99h\n';
    expect(errorsOf({ 'p.yml': text }).map((e) => e.rule)).toEqual(['schema', 'schema']);
  });
});

describe('an unclosed bracket is reported where it opens', () => {
  it.each([
    ['a list, then more keys', 'a: [x\nb: 1\n', [1, 4], /list opened with "\[" here is never closed/],
    ['a list at the end of the file', 'a:\n  b: [x, y\n', [2, 6], /never closed/],
    ['a mapping', 'a: { b: 1\nc: 2\n', [1, 4], /mapping opened with "\{" here is never closed/],
    ['a list closed by }', 'a: { b: [x, y }\n', [1, 9], /list opened with "\[" here is closed with "\}"/],
    ['in a list item', '- a: [x\n- b: 1\n', [1, 6], /never closed/],
  ])('%s', (_, text, at, message) => {
    const [e] = errorsOf({ 'p.yml': text as string });
    expect([e!.line, e!.column]).toEqual(at);
    expect(e!.message).toMatch(message as RegExp);
  });

  it.each([
    ['brackets inside plain text', 'a: renovate[bot] {x\nb: [c\nd: 1\n', [2, 4]],
    ['brackets in quotes and comments', 'a: "[x" # [y\nb: \'{z\'\nc: [d\ne: 1\n', [3, 4]],
    ['brackets in a block scalar', 'a: |\n  [x {y\nb: [c\nd: 1\n', [3, 4]],
    ['a multi-line list that is closed', 'a: [x,\n  y]\nb: [c\nd: 1\n', [3, 4]],
  ])('ignores %s', (_, text, at) => {
    const [e] = errorsOf({ 'p.yml': text as string });
    expect([e!.line, e!.column]).toEqual(at);
  });

  it('other YAML errors are reported as YAML reports them', () => {
    const [e] = errorsOf({ 'p.yml': 'a: [x, y]\nb: 1: 2\n' });
    expect(e).toMatchObject({ line: 2, rule: 'yaml' });
    expect(e!.message).not.toMatch(/never closed/);
  });
});
