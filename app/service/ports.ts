import type { ChatDelivery } from '../chat/deliver.ts';
import type { KeyRing } from '../crypto/keys.ts';
import type { GitHubPort } from '../github/port.ts';
import type { Logger } from '../logging/logger.ts';
import type { Metrics } from '../metrics.ts';
import type { Ledger } from './ledger.ts';

/** Where links point: GitHub's web host, and the approval page when sign-in is configured. */
export interface Links {
  /** e.g. https://github.com */
  serverUrl: string;
  /** PUBLIC_URL when sign-in is configured: check runs, notices and steps link to its pages. */
  pageUrl?: string | undefined;
}

/** The outbox as a use case sees it: what is due for a request happens before the caller answers. */
export interface Effects {
  /**
   * Does request `requestId`'s effects that are due now (its check run, comment, gate answer,
   * revocations) and waits a little for those due soon: a webhook or API call answers once what
   * people see reflects it. Chat messages and low-priority answers are left to the worker.
   */
  settle(requestId: string, opts?: { lowToo?: boolean }): Promise<void>;
}

/**
 * What the service floor is made of. Each use case takes the few of these it uses
 * (`Pick<Ports, 'ledger' | 'github' | 'now'>`), never the whole service: its signature says what it
 * may touch.
 */
export interface Ports {
  /** The record: requests, votes, audit and the effects due, saved together; locks; change news. */
  ledger: Ledger;
  effects: Effects;
  github: GitHubPort;
  /** The clock. */
  now: () => number;
  log: Logger;
  metrics: Metrics;
  /** Chat and webhook targets (NOTIFY_TARGETS). */
  chat: ChatDelivery;
  links: Links;
  /** Keys for tokens at rest (the current one seals; a previous one still opens, during a rotation). */
  sealKey: KeyRing;
  /** Refuse steps that send no job id (REQUIRE_JOB_ID). */
  requireJobId: boolean;
  /** This app's id: a click on another app's check run is not a vote. */
  appId: number;
}

/** What a step's request needs to be made or joined (`createRequest`, `joinRequest`). */
export type CreatePorts = Pick<
  Ports,
  'ledger' | 'github' | 'now' | 'metrics' | 'log' | 'effects' | 'requireJobId' | 'sealKey'
>;
