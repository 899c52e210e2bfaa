/** The machine's PostgreSQL (CI sets TEST_DATABASE_URL to it); tests give each store its own schema. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
