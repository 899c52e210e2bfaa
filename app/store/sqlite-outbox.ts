import type { Effect, EffectDue, EffectKind } from '../domain/effects.ts';
import { effectFromRow, effectInsert, effectValues, outboxSql, type Outbox } from './outbox.ts';
import type { SqliteParts } from './sqlite-journal.ts';

type Row = Record<string, unknown>;
const SQL = outboxSql((n) => `?${n}`);

/** The outbox of the embedded store: table `effects` in the same SQLite file. */
export class SqliteOutbox implements Outbox {
  readonly #db: Pick<SqliteParts, 'sql' | 'transaction'>;

  constructor(db: Pick<SqliteParts, 'sql' | 'transaction'>) {
    this.#db = db;
  }

  /** Writes `effects`; only inside a transaction of the store. True for each that was new or due again. */
  writeIn(effects: readonly EffectDue[], now: number): boolean[] {
    return effects.map(
      (e) =>
        this.#db.sql(effectInsert((n) => `?${n}`, e.kind, 'min')).run(...(effectValues(e, now) as never[]))
          .changes > 0,
    );
  }

  async schedule(effects: readonly EffectDue[], now: number): Promise<boolean[]> {
    return this.#db.transaction(() => this.writeIn(effects, now));
  }

  async due(now: number, limit: number): Promise<Effect[]> {
    return (this.#db.sql(SQL.due).all(now, limit) as Row[]).map(effectFromRow);
  }

  async claim(id: number, now: number, leaseMs: number, claim: string): Promise<Effect | null> {
    const until = now + leaseMs;
    const row = this.#db.transaction(
      () => this.#db.sql(SQL.claim).get(until, id, now, claim) as Row | undefined,
    );
    return row ? effectFromRow(row) : null;
  }

  async extend(id: number, claim: string, now: number, leaseMs: number): Promise<boolean> {
    return this.#db.transaction(() => this.#db.sql(SQL.extend).run(now + leaseMs, id, claim).changes === 1);
  }

  async releaseAll(): Promise<void> {
    this.#db.transaction(() => this.#db.sql(SQL.releaseAll).run());
  }

  async done(id: number, generation: number, now: number): Promise<boolean> {
    return this.#db.transaction(() => {
      if (this.#db.sql(SQL.done).run(now, id, generation).changes === 1) return true;
      this.#db.sql(SQL.again).run(id);
      return false;
    });
  }

  async retry(id: number, retryAt: number, error: string): Promise<void> {
    this.#db.transaction(() => this.#db.sql(SQL.retry).run(retryAt, error, id));
  }

  async fail(id: number, error: string, now: number): Promise<void> {
    this.#db.transaction(() => this.#db.sql(SQL.fail).run(now, error, id));
  }

  async hasten(requestId: string, by: number, kinds?: readonly EffectKind[]): Promise<void> {
    this.#db.transaction(() => {
      if (!kinds) return void this.#db.sql(SQL.hasten).run(by, requestId);
      for (const kind of kinds) this.#db.sql(`${SQL.hasten} AND kind = ?3`).run(by, requestId, kind);
    });
  }

  async hastenKey(key: string, by: number): Promise<void> {
    this.#db.transaction(() => this.#db.sql(SQL.hastenKey).run(by, key));
  }

  async outstanding(requestId: string): Promise<Effect[]> {
    return (this.#db.sql(SQL.outstanding).all(requestId) as Row[]).map(effectFromRow);
  }

  async nextDue(): Promise<number | null> {
    const at = (this.#db.sql(SQL.nextDue).get() as Row).at;
    return at == null ? null : Number(at);
  }

  async prune(before: number): Promise<number> {
    return Number(this.#db.transaction(() => this.#db.sql(SQL.prune).run(before).changes));
  }
}
