import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../../app/config/read-config.ts';
import { readDocs } from '../helpers/docs.ts';

const pem = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();
const ENV = {
  APP_ID: '42',
  PRIVATE_KEY: pem,
  WEBHOOK_SECRET: 'a-long-enough-secret',
  PUBLIC_URL: 'https://jit.example.com/',
};

describe('readConfig', () => {
  it('reads a complete environment, with defaults', () => {
    expect(readConfig(ENV)).toMatchObject({
      appId: '42',
      publicUrl: 'https://jit.example.com',
      oidcIssuer: 'https://token.actions.githubusercontent.com',
      githubApiUrl: 'https://api.github.com',
      dataDir: './data',
      port: 3000,
      host: '127.0.0.1',
      logLevel: 'info',
      githubWrites: { perMinute: 60, burst: 20 },
      logFormat: undefined,
      http: { maxBodyBytes: 1048576, headersTimeoutMs: 10_000, requestTimeoutMs: 60_000 },
      limits: { requestsPerRun: 300, longPollsPerStep: 20, longPollsPerRun: 300 },
      cache: { readyzMs: 5000, notInstalledMs: 10_000, membershipMs: 60_000 },
      githubTimeoutMs: 10_000,
    });
    expect(readConfig({ ...ENV, GITHUB_TIMEOUT_MS: '2500' }).githubTimeoutMs).toBe(2500);
    expect(
      readConfig({ ...ENV, GITHUB_WRITES_PER_MINUTE: '0', GITHUB_WRITE_BURST: '5' }).githubWrites,
    ).toEqual({ perMinute: 0, burst: 5 });
  });

  it('reads the limits of the HTTP edge, the caches and the log format', () => {
    expect(
      readConfig({
        ...ENV,
        MAX_BODY_BYTES: '2048',
        HTTP_HEADERS_TIMEOUT_SECONDS: '2',
        HTTP_REQUEST_TIMEOUT_SECONDS: '3',
        MAX_REQUESTS_PER_RUN: '4',
        MAX_LONG_POLLS_PER_STEP: '5',
        MAX_LONG_POLLS_PER_RUN: '6',
        READYZ_CACHE_SECONDS: '0',
        NOT_INSTALLED_CACHE_SECONDS: '7',
        MEMBERSHIP_CACHE_SECONDS: '5',
        LOG_FORMAT: 'json',
      }),
    ).toMatchObject({
      http: { maxBodyBytes: 2048, headersTimeoutMs: 2000, requestTimeoutMs: 3000 },
      limits: { requestsPerRun: 4, longPollsPerStep: 5, longPollsPerRun: 6 },
      cache: { readyzMs: 0, notInstalledMs: 7000, membershipMs: 5000 },
      logFormat: 'json',
    });
    expect(readConfig({ ...ENV, LOG_FORMAT: 'pretty' }).logFormat).toBe('pretty');
  });

  it('reads the key from PRIVATE_KEY_PATH and accepts escaped newlines', () => {
    expect(
      readConfig({ ...ENV, PRIVATE_KEY: undefined, PRIVATE_KEY_PATH: '/k.pem' }, () => pem).privateKey,
    ).toBe(pem);
    expect(readConfig({ ...ENV, PRIVATE_KEY: pem.replaceAll('\n', '\\n') }).privateKey).toBe(pem);
  });

  it('reads the previous key of a rotation from PREVIOUS_PRIVATE_KEY or PREVIOUS_PRIVATE_KEY_PATH', () => {
    expect(readConfig(ENV).previousPrivateKey).toBeUndefined();
    expect(readConfig({ ...ENV, PREVIOUS_PRIVATE_KEY: pem.replaceAll('\n', '\\n') }).previousPrivateKey).toBe(
      pem,
    );
    const read = (path: string) => (path === '/old.pem' ? pem : 'nope');
    expect(readConfig({ ...ENV, PREVIOUS_PRIVATE_KEY_PATH: '/old.pem' }, read).previousPrivateKey).toBe(pem);
  });

  it('a previous key that is not a key, or cannot be read, fails naming the variable and the fix', () => {
    expect(() => readConfig({ ...ENV, PREVIOUS_PRIVATE_KEY: 'hello' })).toThrow(
      /^PREVIOUS_PRIVATE_KEY: is not a PEM private key\. Use the \.pem file/,
    );
    const fail = () => {
      throw new Error('ENOENT');
    };
    expect(() => readConfig({ ...ENV, PREVIOUS_PRIVATE_KEY_PATH: '/gone.pem' }, fail)).toThrow(
      /^PREVIOUS_PRIVATE_KEY_PATH: cannot read \/gone\.pem \(ENOENT\)\. Point it at the app's previous \.pem file/,
    );
  });

  it('builds the API URL from GHE_HOST', () => {
    expect(readConfig({ ...ENV, GHE_HOST: 'ghe.acme.com' }).githubApiUrl).toBe('https://ghe.acme.com/api/v3');
  });

  it.each([
    [{ APP_ID: undefined }, /^APP_ID: is not set\. Set it to the App ID/],
    [{ APP_ID: 'abc' }, /^APP_ID: "abc" is not a number/],
    [{ PRIVATE_KEY: undefined }, /^PRIVATE_KEY: neither PRIVATE_KEY nor PRIVATE_KEY_PATH is set/],
    [{ PRIVATE_KEY: 'hello' }, /^PRIVATE_KEY: is not a PEM private key/],
    [{ WEBHOOK_SECRET: 'short' }, /^WEBHOOK_SECRET: is shorter than 16 characters/],
    [{ PUBLIC_URL: undefined }, /^PUBLIC_URL: is not set/],
    [{ PUBLIC_URL: 'jit.example.com' }, /^PUBLIC_URL: "jit.example.com" is not an http\(s\) URL/],
    [{ OIDC_ISSUER: 'ftp://x' }, /^OIDC_ISSUER: /],
    [{ PORT: 'eighty' }, /^PORT: "eighty" is not a port number/],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL: "loud" is not a level/],
    [{ LOG_FORMAT: 'xml' }, /^LOG_FORMAT: "xml" is not a format\. Use json \(one object a line\) or pretty/],
    [
      { MAX_BODY_BYTES: '1MB' },
      /^MAX_BODY_BYTES: "1MB" is not a whole number of at least 1024\. Use e\.g\. 1048576/,
    ],
    [
      { HTTP_HEADERS_TIMEOUT_SECONDS: '0' },
      /^HTTP_HEADERS_TIMEOUT_SECONDS: "0" is not a whole number of at least 1/,
    ],
    [
      { HTTP_HEADERS_TIMEOUT_SECONDS: '90' },
      /^HTTP_HEADERS_TIMEOUT_SECONDS: 90 is longer than HTTP_REQUEST_TIMEOUT_SECONDS \(60\)\. Make it at most/,
    ],
    [
      { MAX_REQUESTS_PER_RUN: '0' },
      /^MAX_REQUESTS_PER_RUN: "0" is not a whole number of at least 1\. Use e\.g\. 300/,
    ],
    [{ MAX_LONG_POLLS_PER_STEP: '-1' }, /^MAX_LONG_POLLS_PER_STEP: "-1" is not a whole number/],
    [{ MAX_LONG_POLLS_PER_RUN: 'x' }, /^MAX_LONG_POLLS_PER_RUN: "x" is not a whole number/],
    [{ READYZ_CACHE_SECONDS: '1.5' }, /^READYZ_CACHE_SECONDS: "1\.5" is not a whole number of at least 0/],
    [
      { NOT_INSTALLED_CACHE_SECONDS: 'y' },
      /^NOT_INSTALLED_CACHE_SECONDS: "y" is not a whole number of at least 0/,
    ],
    [{ MEMBERSHIP_CACHE_SECONDS: '0' }, /^MEMBERSHIP_CACHE_SECONDS: "0" is not a whole number of at least 1/],
    [
      { MEMBERSHIP_CACHE_SECONDS: '601' },
      /^MEMBERSHIP_CACHE_SECONDS: "601" is more than 600\. A removed team member would be shown Approve/,
    ],
    [{ DATABASE_URL: 'mysql://x' }, /^DATABASE_URL: is not a postgres:\/\/ URL/],
    [
      { GITHUB_WRITES_PER_MINUTE: '1.5' },
      /^GITHUB_WRITES_PER_MINUTE: "1\.5" is not a whole number of at least 0\. Use e\.g\. 60/,
    ],
    [
      { GITHUB_WRITE_BURST: '0' },
      /^GITHUB_WRITE_BURST: "0" is not a whole number of at least 1\. Use e\.g\. 20/,
    ],
    [
      { GITHUB_TIMEOUT_MS: '10s' },
      /^GITHUB_TIMEOUT_MS: "10s" is not a whole number of at least 100\. Use e\.g\. 10000/,
    ],
  ] as [Record<string, string | undefined>, RegExp][])(
    '%j fails naming the variable and the fix',
    (over, message) => {
      expect(() => readConfig({ ...ENV, ...over })).toThrow(message);
    },
  );

  describe('NOTIFY_TARGETS', () => {
    const targets = (t: Record<string, unknown>) => ({ ...ENV, NOTIFY_TARGETS: JSON.stringify(t) });
    const SLACK = { url: 'https://hooks.slack.com/services/T/B/x', format: 'slack' };

    it('reads each target with its owners: logins as strings, account ids as numbers', () => {
      const config = readConfig(targets({ 'sre-chat': { ...SLACK, owners: ['acme', 9919] } }));
      expect(config.notifyTargets.get('sre-chat')).toEqual({
        name: 'sre-chat',
        url: SLACK.url,
        format: 'slack',
        owners: [{ login: 'acme' }, { id: 9919 }],
      });
    });

    it.each([
      ['no owners', { ...SLACK }],
      ['an empty list', { ...SLACK, owners: [] }],
      ['a string', { ...SLACK, owners: 'acme' }],
    ])('a target with %s refuses start, saying how to list them', (_, target) => {
      expect(() => readConfig(targets({ 'sre-chat': target }))).toThrow(
        /^NOTIFY_TARGETS: target "sre-chat" lists no owners\. Add "owners": \["<organization or user>", …\] to it: the accounts whose policies may post there, by login or by account id \(a number\), e\.g\. /,
      );
    });

    it.each([['acme/sre'], [''], [-3], [1.5], [null], [{ login: 'acme' }]])(
      'an owner %j that is neither a login nor an account id is refused',
      (owner) => {
        expect(() => readConfig(targets({ 'sre-chat': { ...SLACK, owners: ['acme', owner] } }))).toThrow(
          /^NOTIFY_TARGETS: target "sre-chat": owner .* is neither a login nor an account id\. List logins as strings/,
        );
      },
    );

    it('NOTIFY_TARGETS_FILE is held to the same rule', () => {
      const env = { ...ENV, NOTIFY_TARGETS_FILE: '/targets.json' };
      expect(() => readConfig(env, () => JSON.stringify({ x: SLACK }))).toThrow(
        /^NOTIFY_TARGETS_FILE: target "x" lists no owners/,
      );
    });
  });

  it('MANDATORY_ORG_POLICIES lists owners by login or account id', () => {
    expect(readConfig(ENV).mandatoryOrgs).toEqual({ logins: new Set(), ids: new Set() });
    expect(readConfig({ ...ENV, MANDATORY_ORG_POLICIES: ' Acme, 9919 ,,other ' }).mandatoryOrgs).toEqual({
      logins: new Set(['acme', '9919', 'other']),
      ids: new Set([9919]),
    });
    expect(() => readConfig({ ...ENV, MANDATORY_ORG_POLICIES: 'acme, acme/.github' })).toThrow(
      /^MANDATORY_ORG_POLICIES: "acme\/\.github" is not an organization's login or account id\. List owners separated by commas, e\.g\. MANDATORY_ORG_POLICIES=acme,9919$/,
    );
  });

  it('PRIVATE_KEY_PATH that cannot be read says so', () => {
    const fail = () => {
      throw new Error('ENOENT');
    };
    expect(() => readConfig({ ...ENV, PRIVATE_KEY: undefined, PRIVATE_KEY_PATH: '/nope.pem' }, fail)).toThrow(
      /^PRIVATE_KEY_PATH: cannot read \/nope\.pem \(ENOENT\)/,
    );
  });

  it('every variable it reads is in .env.example, and the limits and LOG_FORMAT are in the docs', () => {
    const read = (path: string): string => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
    const source = read('app/config/read-config.ts');
    const names = new Set([...source.matchAll(/env(?:\.|, ')([A-Z][A-Z0-9_]+)/g)].map((m) => m[1]!));
    expect(names.size).toBeGreaterThan(20);
    const example = read('.env.example');
    expect([...names].filter((n) => !new RegExp(`^#? ?${n}=`, 'm').test(example))).toEqual([]);
    const readme = readDocs(); // README.md and docs/*.md
    const limits = [...names].filter((n) => /^(MAX_|HTTP_|READYZ_|NOT_INSTALLED_|LOG_)/.test(n));
    expect(limits).toHaveLength(10);
    expect(limits.filter((n) => !readme.includes(`\`${n}\``))).toEqual([]);
  });
});

describe('a key wrapped in quotes', () => {
  it('(as `docker run --env-file` passes a quoted .env value on) fails at start, naming the way out', () => {
    const env = { ...ENV, PRIVATE_KEY: `"${pem.replaceAll('\n', '\\n')}"` };
    expect(() => readConfig(env)).toThrow(
      /^PRIVATE_KEY: is a key wrapped in quotes .*PRIVATE_KEY_PATH=private-key\.pem/,
    );
  });
});
