// Routes on behalf of a user (user access tokens from the web authorization flow) and the OAuth
// application routes the app calls with its client id and secret.
import { tokenHash } from './auth.ts';
import { nodeId } from './resources.ts';
import { fail, iso, type Route, type RouteContext } from './route-kit.ts';
import type { SimUser } from './world.ts';

export const userRoutes = {
  'users/get-authenticated': {
    auth: 'user',
    handle: (ctx) => {
      const { userId } = ctx.userToken!;
      // The account the token acts for, under the login it holds now.
      const user = [...ctx.world.users.values()].find((u) => u.id === userId);
      if (!user) return fail(404, 'Not Found');
      const url = `${ctx.baseUrl}/users/${encodeURIComponent(user.login)}`;
      // The user's own view (`private-user`), as GitHub answers a token acting for that user.
      const body = ctx.synth.build('private-user', {
        login: user.login,
        id: userId,
        node_id: nodeId('User', userId),
        avatar_url: `https://avatars.githubusercontent.com/u/${userId}?v=4`,
        gravatar_id: '',
        url,
        html_url: `https://github.com/${user.login}`,
        followers_url: `${url}/followers`,
        following_url: `${url}/following{/other_user}`,
        gists_url: `${url}/gists{/gist_id}`,
        starred_url: `${url}/starred{/owner}{/repo}`,
        subscriptions_url: `${url}/subscriptions`,
        organizations_url: `${url}/orgs`,
        repos_url: `${url}/repos`,
        events_url: `${url}/events{/privacy}`,
        received_events_url: `${url}/received_events`,
        type: 'User',
        user_view_type: 'private',
        site_admin: false,
        name: null,
        email: null,
        created_at: iso(ctx.now),
        updated_at: iso(ctx.now),
        two_factor_authentication: true,
      });
      return { status: 200, body };
    },
  },
  'users/get-by-username': {
    // Any token may read a public profile: an installation's too.
    auth: { permission: 'metadata', level: 'read', scope: 'token' },
    handle: (ctx) => {
      const user = ctx.world.user(ctx.params.username!);
      return user ? { status: 200, body: publicUser(ctx, user) } : fail(404, 'Not Found');
    },
  },
  'users/get-by-id': {
    // The account behind an id, whatever its login is now.
    auth: { permission: 'metadata', level: 'read', scope: 'token' },
    handle: (ctx) => {
      const id = Number(ctx.params.account_id);
      const user = [...ctx.world.users.values()].find((u) => u.id === id);
      return user ? { status: 200, body: publicUser(ctx, user) } : fail(404, 'Not Found');
    },
  },
  'apps/delete-token': {
    auth: 'basic',
    handle: (ctx) => {
      // The credentials were checked against the app; the path must name the same app.
      if (ctx.params.client_id !== ctx.world.app.clientId) return fail(404, 'Not Found');
      const token = ctx.world.userTokens.get(tokenHash(String(ctx.body.access_token)));
      if (
        !token ||
        token.revoked ||
        token.expiresAt <= ctx.now.getTime() ||
        token.clientId !== ctx.params.client_id
      ) {
        return fail(422, 'Validation Failed', {
          errors: [{ resource: 'OauthAccess', field: 'access_token', code: 'invalid' }],
        });
      }
      token.revoked = true;
      return { status: 204 };
    },
  },
} satisfies Record<string, Route>;

/** GitHub's public view of an account (`public-user`). */
function publicUser(ctx: RouteContext, user: SimUser): unknown {
  const url = `${ctx.baseUrl}/users/${encodeURIComponent(user.login)}`;
  return ctx.synth.build('public-user', {
    login: user.login,
    id: user.id,
    node_id: nodeId('User', user.id),
    avatar_url: `https://avatars.githubusercontent.com/u/${user.id}?v=4`,
    gravatar_id: '',
    url,
    html_url: `https://github.com/${user.login}`,
    followers_url: `${url}/followers`,
    following_url: `${url}/following{/other_user}`,
    gists_url: `${url}/gists{/gist_id}`,
    starred_url: `${url}/starred{/owner}{/repo}`,
    subscriptions_url: `${url}/subscriptions`,
    organizations_url: `${url}/orgs`,
    repos_url: `${url}/repos`,
    events_url: `${url}/events{/privacy}`,
    received_events_url: `${url}/received_events`,
    type: user.type,
    user_view_type: 'public',
    site_admin: false,
    name: null,
    email: null,
    created_at: iso(ctx.now),
    updated_at: iso(ctx.now),
  });
}
