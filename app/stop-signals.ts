import type { Logger } from 'pino';

/**
 * Stops the app once, however it is asked, then exits (0, or 1 when stopping failed): on SIGTERM,
 * SIGINT or SIGHUP (a terminal's Ctrl-C reaches both `npm start`'s launcher and the app, and the
 * launcher passes it on too: the app sees it twice, and the second must not cut the first short),
 * and when the launcher that started it goes away (its IPC channel closes: a launcher killed with
 * SIGKILL leaves no app behind holding the port and DATA_DIR's lock).
 */
export function stopOnSignals(stop: () => Promise<void>, log: Pick<Logger, 'info' | 'error'>): void {
  let stopping = false;
  const once = (why: string): void => {
    if (stopping) return;
    stopping = true;
    log.info(`stopping (${why})`);
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'stopping failed');
        process.exit(1);
      },
    );
  };
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => once(signal));
  if (process.connected) {
    process.once('disconnect', () => once('the launcher is gone'));
    // The channel is only watched: it must not keep the process alive by itself.
    process.channel?.unref();
  }
}
