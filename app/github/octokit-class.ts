// The Octokit the app talks to GitHub with: Probot's, with limits chosen for an approval gate.
//
// Probot's default spaces every write a second apart and has no burst: a matrix of 30 jobs asking
// at once waits 30 s for its check runs. GitHub's guidance is serial writes per installation and,
// for many of them, about one a second; its secondary limits answer 403/429 with `retry-after`
// when a client goes beyond. So writes here are serial per installation, a burst of them goes at
// once, sustained writes are paced (a token bucket per installation), and a secondary limit is
// waited out and retried instead of failing the step.
import Bottleneck from 'bottleneck';
import { ProbotOctokit } from 'probot';

export interface WriteLimits {
  /** Sustained writes per minute per installation; 0 = not paced (still serial). */
  perMinute: number;
  /** Writes that may go one after the other without pacing, before the rate applies. */
  burst: number;
}

/** How often GitHub's limits are retried before the error reaches the caller (a step sees 503). */
const SECONDARY_RETRIES = 2;
/** A primary limit is waited out only when it resets this soon; otherwise the step retries later. */
const MAX_PRIMARY_WAIT_S = 60;

type Options = Record<string, unknown> & { throttle?: Record<string, unknown> };
interface Log {
  warn(msg: string): void;
}
interface LimitedRequest {
  method: string;
  url: string;
}

/** A Bottleneck group keyed by installation (Probot sets the throttle id to it) for writes. */
export function writeLimiter(limits: WriteLimits): Bottleneck.Group {
  if (limits.perMinute <= 0) return new Bottleneck.Group({ maxConcurrent: 1 });
  const interval = Math.max(1, Math.round(60_000 / limits.perMinute));
  const burst = Math.max(1, limits.burst);
  return new Bottleneck.Group({
    maxConcurrent: 1,
    reservoir: burst,
    reservoirIncreaseAmount: 1,
    reservoirIncreaseInterval: interval,
    reservoirIncreaseMaximum: burst,
    heartbeatInterval: Math.min(250, interval),
  });
}

/** Probot's Octokit class with the app's write limits and rate-limit handling. */
export function appOctokit(limits: WriteLimits): typeof ProbotOctokit {
  const write = writeLimiter(limits);
  return ProbotOctokit.defaults((options: Options) => ({
    ...options,
    throttle: {
      ...options.throttle,
      write,
      onSecondaryRateLimit: (
        retryAfter: number,
        req: LimitedRequest,
        octokit: { log: Log },
        count: number,
      ) => {
        const again = count < SECONDARY_RETRIES;
        octokit.log.warn(
          `GitHub's secondary rate limit answered ${req.method} ${req.url}; ${again ? `retrying in ${retryAfter} s` : 'giving up'}`,
        );
        return again;
      },
      onRateLimit: (retryAfter: number, req: LimitedRequest, octokit: { log: Log }, count: number) => {
        const again = count < 1 && retryAfter <= MAX_PRIMARY_WAIT_S;
        octokit.log.warn(
          `GitHub's rate limit for the installation is used up (${req.method} ${req.url}); ${again ? `retrying in ${retryAfter} s` : `it resets in ${retryAfter} s`}`,
        );
        return again;
      },
    },
  })) as typeof ProbotOctokit;
}
