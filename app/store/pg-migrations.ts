import type pg from 'pg';

/** Advisory lock key of running the migrations (one instance at a time). */
const MIGRATION_LOCK = 7_400_001;

/** Schema versions of the PostgreSQL store, applied in order at start (each once, under a lock). */
export const MIGRATIONS = [
  `CREATE TABLE requests (
     id TEXT PRIMARY KEY,
     key TEXT NOT NULL UNIQUE,
     status TEXT NOT NULL,
     check_run_id BIGINT,
     repository_id TEXT NOT NULL,
     run_id TEXT NOT NULL,
     run_attempt TEXT NOT NULL,
     token_unrevoked BOOLEAN NOT NULL DEFAULT false,
     version INTEGER NOT NULL,
     body JSONB NOT NULL
   );
   CREATE INDEX requests_status ON requests(status);
   CREATE INDEX requests_check_run ON requests(check_run_id);
   CREATE INDEX requests_run ON requests(repository_id, run_id, run_attempt);
   CREATE INDEX requests_unrevoked ON requests(token_unrevoked) WHERE token_unrevoked;
   CREATE TABLE votes (
     request_id TEXT NOT NULL,
     voter_id BIGINT NOT NULL,
     voter_login TEXT NOT NULL,
     decision TEXT NOT NULL,
     at BIGINT NOT NULL,
     seq BIGSERIAL,
     teams JSONB NOT NULL,
     PRIMARY KEY (request_id, voter_id)
   );
   CREATE TABLE deliveries (id TEXT PRIMARY KEY, at BIGINT NOT NULL);
   CREATE TABLE audit (
     seq BIGINT PRIMARY KEY,
     at BIGINT NOT NULL,
     type TEXT NOT NULL,
     request_id TEXT,
     data JSONB NOT NULL,
     prev_hash TEXT NOT NULL,
     hash TEXT NOT NULL
   );`,
  // Sweeps ask for what is due, not for every pending request.
  `ALTER TABLE requests ADD COLUMN expires_at BIGINT;
   ALTER TABLE requests ADD COLUMN revoke_at BIGINT;
   UPDATE requests SET expires_at = (body->>'expiresAt')::bigint, revoke_at = (body->'token'->>'revokeAt')::bigint;
   CREATE INDEX requests_due ON requests(status, expires_at);
   CREATE INDEX requests_revoke ON requests(revoke_at) WHERE token_unrevoked;`,
  // The keyed audit chain: a MAC per event, and the head checkpoint beside the events it covers.
  `ALTER TABLE audit ADD COLUMN key_id TEXT;
   ALTER TABLE audit ADD COLUMN mac TEXT;
   CREATE INDEX audit_request ON audit(request_id, seq);
   CREATE TABLE audit_head (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     seq BIGINT NOT NULL,
     hash TEXT NOT NULL,
     key_id TEXT NOT NULL,
     mac TEXT NOT NULL
   );`,
  // Intent before action: deliveries stay pending until processed, mints are journalled, votes
  // name their delivery, and a request's check run is due again while GitHub shows an old view.
  `ALTER TABLE deliveries ADD COLUMN state TEXT NOT NULL DEFAULT 'done';
   ALTER TABLE deliveries ADD COLUMN input JSONB;
   ALTER TABLE deliveries ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE deliveries ADD COLUMN retry_at BIGINT;
   CREATE INDEX deliveries_pending ON deliveries(retry_at) WHERE state = 'pending';
   ALTER TABLE votes ADD COLUMN delivery TEXT;
   CREATE TABLE mints (
     id TEXT PRIMARY KEY,
     request_id TEXT NOT NULL,
     secret_hash TEXT NOT NULL,
     at BIGINT NOT NULL,
     minted JSONB
   );
   CREATE INDEX mints_at ON mints(at);
   ALTER TABLE requests ADD COLUMN check_run_due_at BIGINT;
   CREATE INDEX requests_check_run_due ON requests(check_run_due_at) WHERE check_run_due_at IS NOT NULL;`,
  // A vote carries what its voter wrote (a comment command).
  `ALTER TABLE votes ADD COLUMN comment TEXT;`,
  // The sweep's query for decided job gates GitHub has not taken the answer of (gate.ts).
  `CREATE INDEX requests_unanswered_gate ON requests(expires_at)
     WHERE status <> 'pending' AND body->'gate'->>'answered' = 'false';`,
  // The approval page: recent decisions by when they were made, and its sign-ins and sessions.
  `ALTER TABLE requests ADD COLUMN decided_at BIGINT;
   UPDATE requests SET decided_at = (body->>'decidedAt')::BIGINT;
   CREATE INDEX requests_decided ON requests(decided_at) WHERE decided_at IS NOT NULL;
   CREATE TABLE web_records (
     kind TEXT NOT NULL,
     key_hash TEXT NOT NULL,
     data JSONB NOT NULL,
     expires_at BIGINT NOT NULL,
     PRIMARY KEY (kind, key_hash)
   );
   CREATE INDEX web_records_expiry ON web_records(expires_at);`,
  // The sweep's query for break-glass reviews GitHub has not taken (break-glass.ts).
  `CREATE INDEX requests_due_review ON requests(decided_at)
     WHERE status = 'approved' AND body->'breakGlassIssue' = 'null'::jsonb;`,
  // Write pacing per installation, shared by every instance: the next free slot (ms since epoch).
  `CREATE TABLE write_pacing (installation_id BIGINT PRIMARY KEY, next_at DOUBLE PRECISION NOT NULL);`,
  // The end of the audit chain, read under the chain's lock in one round trip: each statement of a
  // VOLATILE function sees what committed before it, so the reads see the last append's commit.
  `CREATE FUNCTION audit_tail(lock_key BIGINT)
     RETURNS TABLE (last_seq BIGINT, last_hash TEXT, last_key_id TEXT,
                    head_seq BIGINT, head_hash TEXT, head_key_id TEXT, head_mac TEXT)
     LANGUAGE plpgsql VOLATILE AS $$
   BEGIN
     PERFORM pg_advisory_xact_lock(lock_key);
     RETURN QUERY
       SELECT l.seq, l.hash, l.key_id, h.seq, h.hash, h.key_id, h.mac
       FROM (SELECT 1) AS one
       LEFT JOIN LATERAL (SELECT a.seq, a.hash, a.key_id FROM audit a ORDER BY a.seq DESC LIMIT 1) l ON true
       LEFT JOIN audit_head h ON h.id = 1;
   END $$;`,
  // Comment commands find the requests of the thread they are written in (commands.ts).
  `ALTER TABLE requests ADD COLUMN thread TEXT;
   ALTER TABLE requests ADD COLUMN issue_thread TEXT;
   UPDATE requests SET thread = CASE body->'notice'->'thread'->>'kind'
       WHEN 'pull' THEN 'pull:' || (body->'notice'->'thread'->>'number')
       WHEN 'commit' THEN 'commit:' || (body->'notice'->'thread'->>'sha') END,
     issue_thread = CASE WHEN body->'notice'->>'github' = 'issue'
       AND jsonb_typeof(body->'notice'->'posted') = 'number'
       THEN 'pull:' || (body->'notice'->>'posted') END;
   CREATE INDEX requests_thread ON requests(repository_id, thread);
   CREATE INDEX requests_issue_thread ON requests(repository_id, issue_thread) WHERE issue_thread IS NOT NULL;`,
  // The outbox: every effect on GitHub or chat, written as due with the change that causes it.
  `CREATE TABLE effects (
     id BIGSERIAL PRIMARY KEY,
     key TEXT NOT NULL UNIQUE,
     kind TEXT NOT NULL,
     request_id TEXT,
     lane TEXT NOT NULL DEFAULT 'normal',
     state TEXT NOT NULL DEFAULT 'due',
     due_at BIGINT NOT NULL,
     priority INTEGER NOT NULL DEFAULT 0,
     claimed_until BIGINT,
     claim TEXT,
     attempts INTEGER NOT NULL DEFAULT 0,
     generation INTEGER NOT NULL DEFAULT 1,
     data JSONB NOT NULL DEFAULT '{}',
     created_at BIGINT NOT NULL,
     done_at BIGINT,
     error TEXT
   );
   CREATE INDEX effects_due ON effects(due_at, priority) WHERE state = 'due';
   CREATE INDEX effects_request ON effects(request_id) WHERE state = 'due';
   CREATE INDEX effects_done ON effects(done_at) WHERE state <> 'due';`,
  // Requests by the account that started their run, waiting ones indexed (as on SQLite).
  `ALTER TABLE requests ADD COLUMN account_id TEXT;
   UPDATE requests SET account_id = COALESCE(body->'claims'->>'triggering_actor_id', body->'claims'->>'actor_id');
   CREATE INDEX requests_waiting_account ON requests(repository_id, account_id) WHERE status = 'pending';`,
  // What the state before the outbox still owed the world becomes due effects, once (as on SQLite).
  `INSERT INTO effects (key, kind, request_id, due_at, priority, data, created_at)
     SELECT 'check_run:' || id, 'check_run', id, NOW_MS, 1, '{}', NOW_MS FROM requests
     WHERE status = 'pending' OR check_run_due_at IS NOT NULL
       OR (body->'checkRunSync'->>'shown')::bigint < (body->'checkRunSync'->>'wanted')::bigint
     ON CONFLICT (key) DO NOTHING;
   INSERT INTO effects (key, kind, request_id, due_at, priority, data, created_at)
     SELECT 'notice:' || id, 'notice', id, NOW_MS, 3, '{}', NOW_MS FROM requests
     WHERE status = 'pending' AND jsonb_typeof(body->'notice') = 'object'
     ON CONFLICT (key) DO NOTHING;
   INSERT INTO effects (key, kind, request_id, due_at, priority, data, created_at)
     SELECT 'gate:' || id || ':decision', 'gate_answer', id, NOW_MS, 2, '{}', NOW_MS FROM requests
     WHERE status <> 'pending' AND body->'gate'->'answered' = 'false'::jsonb
     ON CONFLICT (key) DO NOTHING;
   INSERT INTO effects (key, kind, request_id, due_at, priority, data, created_at)
     SELECT 'review:' || id, 'review_issue', id, NOW_MS, 5, '{}', NOW_MS FROM requests
     WHERE status = 'approved' AND body->'breakGlassIssue' = 'null'::jsonb
     ON CONFLICT (key) DO NOTHING;
   INSERT INTO effects (key, kind, request_id, due_at, priority, data, created_at)
     SELECT 'revoke:hash:' || (t.token->>'hash'), 'revoke', t.id,
       COALESCE((t.token->>'revokeAt')::bigint, NOW_MS), 0,
       jsonb_build_object('hash', t.token->>'hash'), NOW_MS
     FROM (SELECT r.id, l.value->'token' AS token
             FROM requests r, jsonb_array_elements(r.body->'legs') l
             WHERE r.token_unrevoked AND jsonb_typeof(r.body->'legs') = 'array'
           UNION ALL SELECT id, body->'token' FROM requests
             WHERE token_unrevoked AND body->'legs' IS NULL) t
     WHERE jsonb_typeof(t.token) = 'object' AND t.token->'mint' IS NULL
       AND coalesce(t.token->'revokedAt', 'null'::jsonb) = 'null'::jsonb
       AND coalesce(t.token->'revokeFailedAt', 'null'::jsonb) = 'null'::jsonb
     ON CONFLICT (key) DO NOTHING;
   DROP INDEX IF EXISTS requests_unanswered_gate;
   DROP INDEX IF EXISTS requests_due_review;
   DROP INDEX IF EXISTS requests_check_run_due;`.replaceAll(
    'NOW_MS',
    '(extract(epoch FROM now()) * 1000)::bigint',
  ),
  // The last commit each policy approved for an action and environment (`changed_paths`, `changes`),
  // kept by the saves that approve, and filled once from the approved requests already stored.
  `CREATE TABLE approved_heads (
     repository_id TEXT NOT NULL,
     action TEXT NOT NULL,
     environment TEXT NOT NULL,
     policy TEXT NOT NULL,
     sha TEXT NOT NULL,
     at BIGINT NOT NULL,
     PRIMARY KEY (repository_id, action, environment, policy)
   );
   INSERT INTO approved_heads (repository_id, action, environment, policy, sha, at)
     SELECT DISTINCT ON (1, 2, 3, 4) r.repository_id, r.body->>'action',
       COALESCE(r.body->'claims'->>'environment', ''), p.value,
       r.body->'claims'->>'sha', COALESCE((r.body->>'decidedAt')::bigint, 0)
     FROM requests r, jsonb_array_elements_text(r.body->'decision'->'policies') p
     WHERE r.status = 'approved' AND jsonb_typeof(r.body->'claims'->'sha') = 'string'
     ORDER BY 1, 2, 3, 4, 6 DESC;`,
];

/** Creates `schema` and applies the migrations it lacks, in the transaction of `c`, under a lock. */
export async function migrate(c: pg.PoolClient, schema: string): Promise<void> {
  await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
  await c.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  await c.query('CREATE TABLE IF NOT EXISTS migrations (version INTEGER PRIMARY KEY)');
  const done = Number((await c.query('SELECT COALESCE(MAX(version), 0) AS v FROM migrations')).rows[0].v);
  for (const [i, sql] of MIGRATIONS.slice(done).entries()) {
    await c.query(sql);
    await c.query('INSERT INTO migrations (version) VALUES ($1)', [done + i + 1]);
  }
}
