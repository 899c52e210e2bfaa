import { timingSafeEqual } from 'node:crypto';
import { keyRing, type KeyRing } from '../crypto/keys.ts';
import { seal, unseal } from '../crypto/seal.ts';

/** How long a browser may take at GitHub between "Sign in" and coming back. */
export const SIGN_IN_MS = 10 * 60_000;
/** States taken that one instance remembers at most (each until it expires). */
const TAKEN_KEPT = 10_000;

/** Keys for sign-in state cookies, derived from the app's private key(s): the current one and a previous one. */
export const signInKeys = (privateKeyPem: string, previous: readonly string[] = []): KeyRing =>
  keyRing('approval page sign-in state', privateKeyPem, previous);

/** A sign-in under way: what its browser's cookie holds, sealed (AES-256-GCM) so only the app reads or makes it. */
export interface SignInState {
  /** The random `state` sent to GitHub, which GitHub sends back. */
  state: string;
  /** PKCE's code verifier: only the app ever sees it (the browser holds it sealed). */
  verifier: string;
  /** Where to go once signed in (a path of this app). */
  next: string;
  /** Until when (ms, the app's clock) the sign-in may finish. */
  expiresAt: number;
}

export const sealState = (s: SignInState, keys: KeyRing): string =>
  seal(JSON.stringify({ s: s.state, v: s.verifier, n: s.next, e: s.expiresAt }), keys);

/** The sign-in a cookie holds, if the app sealed it (with its current or previous key); else undefined. */
export function openState(value: string | undefined, keys: KeyRing): SignInState | undefined {
  if (!value) return undefined;
  let held: { s?: unknown; v?: unknown; n?: unknown; e?: unknown };
  try {
    held = JSON.parse(unseal(value, keys)) as typeof held;
  } catch {
    return undefined; // not sealed by this app, altered, or sealed with a key it no longer has
  }
  const { s, v, n, e } = held;
  if (typeof s !== 'string' || typeof v !== 'string' || typeof n !== 'string' || typeof e !== 'number')
    return undefined;
  return { state: s, verifier: v, next: n, expiresAt: e };
}

/** Whether the `state` GitHub sent back is the one the browser's cookie holds (in constant time). */
export function sameState(held: SignInState, sent: string): boolean {
  const a = Buffer.from(held.state);
  const b = Buffer.from(sent);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The states this instance has finished sign-ins with, each until it expires (10,000 at most, the
 * oldest forgotten first): a callback replayed here with a copy of its cookie fails without asking
 * GitHub. Only a second line: the first is that the cookie is deleted when used, and the last that
 * GitHub's code is single-use (see `finishSignIn`).
 */
export class TakenStates {
  readonly #taken = new Map<string, number>();

  /** Marks `held` as taken at `now`; false when it was taken before. */
  take(held: SignInState, now: number): boolean {
    // Every state lives SIGN_IN_MS, so the first added expire first.
    for (const [state, until] of this.#taken) {
      if (until > now) break;
      this.#taken.delete(state);
    }
    if (this.#taken.has(held.state)) return false;
    this.#taken.set(held.state, held.expiresAt);
    if (this.#taken.size > TAKEN_KEPT) this.#taken.delete(this.#taken.keys().next().value!);
    return true;
  }
}
