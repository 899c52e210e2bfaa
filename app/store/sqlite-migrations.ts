/** Schema versions of the SQLite store, applied in order at start; each runs once. */
export const MIGRATIONS = [
  `CREATE TABLE requests (
     id TEXT PRIMARY KEY,
     key TEXT NOT NULL UNIQUE,
     status TEXT NOT NULL,
     check_run_id INTEGER,
     repository_id TEXT NOT NULL,
     run_id TEXT NOT NULL,
     run_attempt TEXT NOT NULL,
     token_unrevoked INTEGER NOT NULL DEFAULT 0,
     version INTEGER NOT NULL,
     body TEXT NOT NULL
   );
   CREATE INDEX requests_status ON requests(status);
   CREATE INDEX requests_check_run ON requests(check_run_id);
   CREATE INDEX requests_run ON requests(repository_id, run_id, run_attempt);
   CREATE INDEX requests_unrevoked ON requests(token_unrevoked);
   CREATE TABLE votes (
     request_id TEXT NOT NULL,
     voter_id INTEGER NOT NULL,
     voter_login TEXT NOT NULL,
     decision TEXT NOT NULL,
     at INTEGER NOT NULL,
     seq INTEGER NOT NULL,
     teams TEXT NOT NULL,
     PRIMARY KEY (request_id, voter_id)
   );
   CREATE TABLE deliveries (id TEXT PRIMARY KEY, at INTEGER NOT NULL);
   CREATE TABLE audit (
     seq INTEGER PRIMARY KEY,
     at INTEGER NOT NULL,
     type TEXT NOT NULL,
     request_id TEXT,
     data TEXT NOT NULL,
     prev_hash TEXT NOT NULL,
     hash TEXT NOT NULL
   );`,
  // Sweeps ask for what is due, not for every pending request.
  `ALTER TABLE requests ADD COLUMN expires_at INTEGER;
   ALTER TABLE requests ADD COLUMN revoke_at INTEGER;
   UPDATE requests SET expires_at = json_extract(body, '$.expiresAt'), revoke_at = json_extract(body, '$.token.revokeAt');
   CREATE INDEX requests_due ON requests(status, expires_at);
   CREATE INDEX requests_revoke ON requests(token_unrevoked, revoke_at);`,
  // The keyed audit chain: a MAC per event, and the head checkpoint beside the events it covers.
  `ALTER TABLE audit ADD COLUMN key_id TEXT;
   ALTER TABLE audit ADD COLUMN mac TEXT;
   CREATE INDEX audit_request ON audit(request_id, seq);
   CREATE TABLE audit_head (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     seq INTEGER NOT NULL,
     hash TEXT NOT NULL,
     key_id TEXT NOT NULL,
     mac TEXT NOT NULL
   );`,
  // Intent before action: deliveries stay pending until processed, mints are journalled, votes
  // name their delivery, and a request's check run is due again while GitHub shows an old view.
  `ALTER TABLE deliveries ADD COLUMN state TEXT NOT NULL DEFAULT 'done';
   ALTER TABLE deliveries ADD COLUMN input TEXT;
   ALTER TABLE deliveries ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE deliveries ADD COLUMN retry_at INTEGER;
   CREATE INDEX deliveries_pending ON deliveries(state, retry_at);
   ALTER TABLE votes ADD COLUMN delivery TEXT;
   CREATE TABLE mints (
     id TEXT PRIMARY KEY,
     request_id TEXT NOT NULL,
     secret_hash TEXT NOT NULL,
     at INTEGER NOT NULL,
     minted TEXT
   );
   CREATE INDEX mints_at ON mints(at);
   ALTER TABLE requests ADD COLUMN check_run_due_at INTEGER;
   CREATE INDEX requests_check_run_due ON requests(check_run_due_at);`,
  // A vote carries what its voter wrote (a comment command).
  `ALTER TABLE votes ADD COLUMN comment TEXT;`,
  // The sweep's query for decided job gates GitHub has not taken the answer of (gate.ts).
  `CREATE INDEX requests_unanswered_gate ON requests(expires_at)
     WHERE status <> 'pending' AND json_extract(body, '$.gate.answered') = 0;`,
  // The approval page: recent decisions by when they were made, and its sign-ins and sessions.
  `ALTER TABLE requests ADD COLUMN decided_at INTEGER;
   UPDATE requests SET decided_at = json_extract(body, '$.decidedAt');
   CREATE INDEX requests_decided ON requests(decided_at) WHERE decided_at IS NOT NULL;
   CREATE TABLE web_records (
     kind TEXT NOT NULL,
     key_hash TEXT NOT NULL,
     data TEXT NOT NULL,
     expires_at INTEGER NOT NULL,
     PRIMARY KEY (kind, key_hash)
   );
   CREATE INDEX web_records_expiry ON web_records(expires_at);`,
  // The sweep's query for break-glass reviews GitHub has not taken (break-glass.ts).
  `CREATE INDEX requests_due_review ON requests(decided_at)
     WHERE status = 'approved' AND json_type(body, '$.breakGlassIssue') = 'null';`,
  // Comment commands find the requests of the thread they are written in (commands.ts).
  `ALTER TABLE requests ADD COLUMN thread TEXT;
   ALTER TABLE requests ADD COLUMN issue_thread TEXT;
   UPDATE requests SET thread = CASE json_extract(body, '$.notice.thread.kind')
       WHEN 'pull' THEN 'pull:' || json_extract(body, '$.notice.thread.number')
       WHEN 'commit' THEN 'commit:' || json_extract(body, '$.notice.thread.sha') END,
     issue_thread = CASE WHEN json_extract(body, '$.notice.github') = 'issue'
       AND json_type(body, '$.notice.posted') = 'integer'
       THEN 'pull:' || json_extract(body, '$.notice.posted') END;
   CREATE INDEX requests_thread ON requests(repository_id, thread);
   CREATE INDEX requests_issue_thread ON requests(repository_id, issue_thread) WHERE issue_thread IS NOT NULL;`,
  // The outbox: every effect on GitHub or chat, written as due with the change that causes it.
  `CREATE TABLE effects (
     id INTEGER PRIMARY KEY,
     key TEXT NOT NULL UNIQUE,
     kind TEXT NOT NULL,
     request_id TEXT,
     lane TEXT NOT NULL DEFAULT 'normal',
     state TEXT NOT NULL DEFAULT 'due',
     due_at INTEGER NOT NULL,
     priority INTEGER NOT NULL DEFAULT 0,
     claimed_until INTEGER,
     claim TEXT,
     attempts INTEGER NOT NULL DEFAULT 0,
     generation INTEGER NOT NULL DEFAULT 1,
     data TEXT NOT NULL DEFAULT '{}',
     created_at INTEGER NOT NULL,
     done_at INTEGER,
     error TEXT
   );
   CREATE INDEX effects_due ON effects(due_at, priority) WHERE state = 'due';
   CREATE INDEX effects_request ON effects(request_id) WHERE state = 'due';
   CREATE INDEX effects_done ON effects(done_at) WHERE state <> 'due';`,
  // Requests by the account that started their run (re-runs: whoever re-ran it), waiting ones
  // indexed: how many one account has waiting in a repository bounds what it announces.
  `ALTER TABLE requests ADD COLUMN account_id TEXT;
   UPDATE requests SET account_id = COALESCE(json_extract(body, '$.claims.triggering_actor_id'),
     json_extract(body, '$.claims.actor_id'));
   CREATE INDEX requests_waiting_account ON requests(repository_id, account_id) WHERE status = 'pending';`,
  // What the state before the outbox still owed the world becomes due effects, once: check runs and
  // comments of waiting requests, check runs marked behind, unanswered job gates, break-glass review
  // issues, and revocations of tokens not yet revoked (at their TTL).
  `INSERT INTO effects (key, kind, request_id, due_at, priority, data, created_at)
     SELECT 'check_run:' || id, 'check_run', id, NOW_MS, 1, '{}', NOW_MS FROM requests
     WHERE status = 'pending' OR check_run_due_at IS NOT NULL
       OR json_extract(body, '$.checkRunSync.shown') < json_extract(body, '$.checkRunSync.wanted')
     ON CONFLICT (key) DO NOTHING;
   INSERT INTO effects (key, kind, request_id, due_at, priority, data, created_at)
     SELECT 'notice:' || id, 'notice', id, NOW_MS, 3, '{}', NOW_MS FROM requests
     WHERE status = 'pending' AND json_type(body, '$.notice') = 'object'
     ON CONFLICT (key) DO NOTHING;
   INSERT INTO effects (key, kind, request_id, due_at, priority, data, created_at)
     SELECT 'gate:' || id || ':decision', 'gate_answer', id, NOW_MS, 2, '{}', NOW_MS FROM requests
     WHERE status <> 'pending' AND json_extract(body, '$.gate.answered') = 0
     ON CONFLICT (key) DO NOTHING;
   INSERT INTO effects (key, kind, request_id, due_at, priority, data, created_at)
     SELECT 'review:' || id, 'review_issue', id, NOW_MS, 5, '{}', NOW_MS FROM requests
     WHERE status = 'approved' AND json_type(body, '$.breakGlassIssue') = 'null'
     ON CONFLICT (key) DO NOTHING;
   INSERT INTO effects (key, kind, request_id, due_at, priority, data, created_at)
     SELECT 'revoke:hash:' || json_extract(t.token, '$.hash'), 'revoke', t.id,
       COALESCE(json_extract(t.token, '$.revokeAt'), NOW_MS), 0,
       json_object('hash', json_extract(t.token, '$.hash')), NOW_MS
     FROM (SELECT r.id, json_extract(l.value, '$.token') AS token
             FROM requests r, json_each(r.body, '$.legs') l WHERE r.token_unrevoked = 1
           UNION ALL SELECT id, json_extract(body, '$.token') FROM requests
             WHERE token_unrevoked = 1 AND json_type(body, '$.legs') IS NULL) t
     WHERE json_type(t.token) = 'object' AND json_extract(t.token, '$.mint') IS NULL
       AND json_extract(t.token, '$.revokedAt') IS NULL AND json_extract(t.token, '$.revokeFailedAt') IS NULL
     ON CONFLICT (key) DO NOTHING;
   DROP INDEX IF EXISTS requests_unanswered_gate;
   DROP INDEX IF EXISTS requests_due_review;
   DROP INDEX IF EXISTS requests_check_run_due;`.replaceAll(
    'NOW_MS',
    "CAST(unixepoch('subsec') * 1000 AS INTEGER)",
  ),
  // The last commit each policy approved for an action and environment (`changed_paths`, `changes`),
  // kept by the saves that approve, and filled once from the approved requests already stored.
  `CREATE TABLE approved_heads (
     repository_id TEXT NOT NULL,
     action TEXT NOT NULL,
     environment TEXT NOT NULL,
     policy TEXT NOT NULL,
     sha TEXT NOT NULL,
     at INTEGER NOT NULL,
     PRIMARY KEY (repository_id, action, environment, policy)
   );
   INSERT INTO approved_heads (repository_id, action, environment, policy, sha, at)
     SELECT r.repository_id, json_extract(r.body, '$.action'),
       COALESCE(json_extract(r.body, '$.claims.environment'), ''), p.value,
       json_extract(r.body, '$.claims.sha'), COALESCE(json_extract(r.body, '$.decidedAt'), 0)
     FROM requests r, json_each(r.body, '$.decision.policies') p
     WHERE r.status = 'approved' AND json_type(r.body, '$.claims.sha') = 'text'
     ORDER BY 6
     ON CONFLICT (repository_id, action, environment, policy) DO UPDATE SET sha = excluded.sha, at = excluded.at
       WHERE excluded.at >= approved_heads.at;`,
];
