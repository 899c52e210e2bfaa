import { AppError } from '../errors.ts';

type Kind = 'integer' | 'string' | 'boolean' | 'list';

const IS: Record<Kind, (v: unknown) => boolean> = {
  integer: (v) => Number.isSafeInteger(v),
  string: (v) => typeof v === 'string',
  boolean: (v) => typeof v === 'boolean',
  list: (v) => Array.isArray(v),
};

const A: Record<Kind, string> = {
  integer: 'an integer',
  string: 'a string',
  boolean: 'true or false',
  list: 'a list',
};

const shown = (v: unknown): string =>
  v === undefined
    ? 'nothing'
    : v === null
      ? 'null'
      : Array.isArray(v)
        ? 'a list'
        : `${typeof v} ${JSON.stringify(v).slice(0, 40)}`;

/**
 * The fields a webhook handler uses, read from a delivery's payload at the edge: each one of the
 * type the handler relies on, or the delivery is refused with `400 bad_request` naming the field
 * (Probot's webhook middleware answers with the `status` of the error a handler throws). Signed
 * deliveries from GitHub always have them; one without is not GitHub's, or not of this version.
 */
export class Payload {
  readonly #event: string;
  readonly #payload: unknown;

  constructor(event: string, payload: unknown) {
    this.#event = event;
    this.#payload = payload;
  }

  #at(path: string): unknown {
    let v: unknown = this.#payload;
    for (const key of path.split('.'))
      v =
        v !== null && typeof v === 'object' && Object.hasOwn(v, key)
          ? (v as Record<string, unknown>)[key]
          : undefined;
    return v;
  }

  #read(path: string, kind: Kind, optional: boolean): unknown {
    const v = this.#at(path);
    if (optional && v == null) return undefined;
    if (!IS[kind](v))
      throw new AppError(
        'bad_request',
        `${this.#event} delivery refused: ${path} must be ${A[kind]}, not ${shown(v)}`,
      );
    return v;
  }

  int(path: string): number {
    return this.#read(path, 'integer', false) as number;
  }

  str(path: string): string {
    return this.#read(path, 'string', false) as string;
  }

  bool(path: string): boolean {
    return this.#read(path, 'boolean', false) as boolean;
  }

  /** A list of strings. */
  strings(path: string, { optional = false } = {}): string[] {
    const list = this.#read(path, 'list', optional) as unknown[] | undefined;
    if (list === undefined) return [];
    list.forEach((_, i) => this.str(`${path}.${i}`));
    return list as string[];
  }

  /** How many entries the list at `path` has. */
  count(path: string): number {
    return (this.#read(path, 'list', false) as unknown[]).length;
  }

  /** An integer that may be absent (or null). */
  optionalInt(path: string): number | undefined {
    return this.#read(path, 'integer', true) as number | undefined;
  }

  optionalStr(path: string): string | undefined {
    return this.#read(path, 'string', true) as string | undefined;
  }
}
