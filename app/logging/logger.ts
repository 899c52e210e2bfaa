/** What the app logs through: pino's shape (Probot's logger), reduced to what is used. */
export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}
