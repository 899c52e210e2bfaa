// The registration page `npm start` serves while no APP_ID is set: what will be registered, where,
// and one button that takes the manifest to GitHub. No script: two plain forms.
import { html, type SafeHtml } from '../web/html.ts';
import type { AppYml } from './manifest.ts';

export interface SetupView {
  /** The setup link's key, carried by the settings form. */
  key: string;
  app: AppYml;
  serverUrl: string;
  /** Where the manifest goes (GitHub's form, with the state). */
  action: string;
  manifest: string;
  org: string;
  name: string;
  publicUrl: string;
  /** PUBLIC_URL is set: the field shows it and cannot change it. */
  publicUrlFixed: boolean;
  envPath: string;
  keyPath: string;
  /** A field the person gave that cannot be used, and why (the button is then left out). */
  problem: string | undefined;
}

const page = (title: string, body: SafeHtml): SafeHtml =>
  html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>${title} · jit-approvals</title>
        <link rel="stylesheet" href="/assets/app.css" />
      </head>
      <body>
        <main id="main">${body}</main>
      </body>
    </html>`;

export function setupPage(v: SetupView): SafeHtml {
  const owner = v.org ? html`the organization <strong>${v.org}</strong>` : 'your personal account';
  const where = `${v.keyPath} (the key) and ${v.envPath}`;
  return page(
    'Register the app',
    html`<h1>Register ${v.app.name} on GitHub</h1>
      <p>
        No <code>APP_ID</code> is set, so the app waits to be registered. The button below registers a GitHub
        App on <strong>${v.serverUrl}</strong> for ${owner}, from <code>app.yml</code>. GitHub shows you the
        app first; once you create it, GitHub sends you back here, the app writes its id, private key, webhook
        secret, client id and client secret to <code>${where}</code> (readable by you only), starts, and takes
        you to the app's installation page.
      </p>
      ${v.problem ? html`<p class="notice" role="alert">${v.problem}</p>` : ''}
      <form method="get" action="/setup">
        <input type="hidden" name="key" value="${v.key}" />
        <label for="org">Organization (empty: your personal account)</label>
        <input type="text" id="org" name="org" value="${v.org}" autocomplete="off" />
        <label for="name">The app's name on GitHub (unique there)</label>
        <input type="text" id="name" name="name" value="${v.name}" maxlength="34" autocomplete="off" />
        <label for="public_url">Public URL: where GitHub and your workflows reach this app</label>
        <input
          type="url"
          id="public_url"
          name="public_url"
          value="${v.publicUrl}"
          ${v.publicUrlFixed ? html`readonly` : ''}
        />
        <button type="submit">Update</button>
      </form>
      ${
        v.problem
          ? ''
          : html`<form method="post" action="${v.action}">
              <input type="hidden" name="manifest" value="${v.manifest}" />
              <button type="submit" id="register">Register on GitHub</button>
            </form>`
      }
      <h2>What the app asks for</h2>
      <p>
        Permissions:
        ${Object.entries(v.app.default_permissions)
          .map(([name, level]) => `${name}: ${level}`)
          .join(', ')}.
      </p>
      <p>Events: ${v.app.default_events.join(', ')}.</p>`,
  );
}

/** A page that says what went wrong and what to do (a link back to the setup page when it helps). */
export function problemPage(title: string, message: string, back?: string): SafeHtml {
  return page(
    title,
    html`<h1>${title}</h1>
      <p class="notice" role="alert">${message}</p>
      ${back ? html`<p><a href="${back}">Back to the registration page</a></p>` : ''}`,
  );
}
