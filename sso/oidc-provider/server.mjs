// A real OpenID Connect provider (panva/oidc-provider, OpenID Certified) for the SSO tests.
//
//   ISSUER=http://127.0.0.1:8191 CLIENTS='[...]' ACCOUNTS='{"mia@example.com": {...}}' node server.mjs
//
// CLIENTS is the provider's client list (client_id, client_secret, redirect_uris, ...);
// ACCOUNTS maps a login to its claims (email, name, groups). The development login form
// accepts any password for a known login; consent is granted automatically. Prints
// "listening" on stdout once it serves.
import Provider from 'oidc-provider';

const issuer = process.env.ISSUER;
const port = Number(new URL(issuer).port);
const clients = JSON.parse(process.env.CLIENTS || '[]');
const accounts = JSON.parse(process.env.ACCOUNTS || '{}');

const provider = new Provider(issuer, {
  clients,
  cookies: { keys: ['test-only-cookie-key'] },
  scopes: ['openid', 'email', 'profile', 'groups'],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  ttl: {
    // A client named "*-short-lived" gets ID tokens that expire after one second (the expiry test).
    IdToken: (ctx, token, client) => (client.clientId.endsWith('-short-lived') ? 1 : 3600),
  },
  async findAccount(ctx, id) {
    const account = accounts[id];
    if (!account) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: account.sub || id, ...account };
      },
    };
  },
  async loadExistingGrant(ctx) {
    const { client, session } = ctx.oidc;
    const grantId = ctx.oidc.result?.consent?.grantId || session.grantIdFor(client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
    grant.addOIDCScope('openid email profile groups');
    grant.addOIDCClaims(['email', 'email_verified', 'name', 'groups']);
    await grant.save();
    return grant;
  },
});

provider.listen(port, '127.0.0.1', () => {
  console.log('listening');
});
