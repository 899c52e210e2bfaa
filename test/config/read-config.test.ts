import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../../app/config/read-config.ts';

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
    });
    expect(
      readConfig({ ...ENV, GITHUB_WRITES_PER_MINUTE: '0', GITHUB_WRITE_BURST: '5' }).githubWrites,
    ).toEqual({ perMinute: 0, burst: 5 });
  });

  it('reads the key from PRIVATE_KEY_PATH and accepts escaped newlines', () => {
    expect(
      readConfig({ ...ENV, PRIVATE_KEY: undefined, PRIVATE_KEY_PATH: '/k.pem' }, () => pem).privateKey,
    ).toBe(pem);
    expect(readConfig({ ...ENV, PRIVATE_KEY: pem.replaceAll('\n', '\\n') }).privateKey).toBe(pem);
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
    [{ DATABASE_URL: 'mysql://x' }, /^DATABASE_URL: is not a postgres:\/\/ URL/],
    [
      { GITHUB_WRITES_PER_MINUTE: '1.5' },
      /^GITHUB_WRITES_PER_MINUTE: "1\.5" is not a whole number of at least 0\. Use e\.g\. 60/,
    ],
    [
      { GITHUB_WRITE_BURST: '0' },
      /^GITHUB_WRITE_BURST: "0" is not a whole number of at least 1\. Use e\.g\. 20/,
    ],
  ] as [Record<string, string | undefined>, RegExp][])(
    '%j fails naming the variable and the fix',
    (over, message) => {
      expect(() => readConfig({ ...ENV, ...over })).toThrow(message);
    },
  );

  it('PRIVATE_KEY_PATH that cannot be read says so', () => {
    const fail = () => {
      throw new Error('ENOENT');
    };
    expect(() => readConfig({ ...ENV, PRIVATE_KEY: undefined, PRIVATE_KEY_PATH: '/nope.pem' }, fail)).toThrow(
      /^PRIVATE_KEY_PATH: cannot read \/nope\.pem \(ENOENT\)/,
    );
  });
});
