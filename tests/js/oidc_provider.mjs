// A real OpenID Connect provider for Zones' single sign-on tests (panva's oidc-provider).
//
//   node oidc_provider.mjs CONFIG.json
//
// CONFIG.json:
//   {
//     "port": 4010,                      // listens on 127.0.0.1:port
//     "issuer": "http://127.0.0.1:4010",
//     "clients": [{"client_id": "zones", "client_secret": "…", "redirect_uris": ["http://…/sign-in/sso/callback"]}],
//     "id_token_ttl": 300,               // seconds
//     "claims_in_id_token": true,        // false: only the userinfo endpoint tells scoped claims
//     "groups_scope": "openid",          // the scope whose claims include "groups" ("profile": with
//                                        // claims_in_id_token false, groups only from userinfo)
//     "users": {"ann": {"email": "ann@example.org", "email_verified": true, "name": "Ann", "groups": ["staff"],
//                       "tamper": {"aud": "another-app", "nonce": "…", "key": "unknown" | "wrong"}}}
//   }
//
// Sign in by driving the development interactions over HTTP: POST /interaction/<uid> with
// prompt=login&login=<user id>, then prompt=consent. A user's "tamper" makes the token endpoint
// hand out an ID token with those claims changed and signed again (with the provider's key, or with
// a key the provider does not publish: "unknown" under a new kid, "wrong" under the published kid),
// so the tests can show Zones refusing what a broken or hostile provider might send.
// Prints "ready <issuer>" on stdout once it listens.

import { createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';

import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const users = config.users ?? {};
const groupsScope = config.groups_scope ?? 'openid';

function signingKey(kid) {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
}

const published = signingKey('zones-test-1');
const unpublished = { unknown: signingKey('not-published'), wrong: { ...signingKey('x'), kid: published.kid } };

const provider = new Provider(config.issuer, {
  clients: config.clients.map((client) => ({
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    ...client,
  })),
  jwks: { keys: [published] },
  cookies: { keys: ['zones-test-cookie-key'] },
  claims: {
    // "openid": groups there without asking, like Entra's and Keycloak's groups claims
    openid: ['sub', ...(groupsScope === 'openid' ? ['groups'] : [])],
    email: ['email', 'email_verified'],
    profile: ['name', 'preferred_username', 'upn', ...(groupsScope === 'profile' ? ['groups'] : [])],
  },
  conformIdTokenClaims: config.claims_in_id_token === false,
  features: { devInteractions: { enabled: true } },
  pkce: { required: () => true },
  ttl: {
    IdToken: config.id_token_ttl ?? 300,
    AccessToken: 600,
    AuthorizationCode: 120,
    Interaction: 600,
    Session: 600,
    Grant: 600,
  },
  async findAccount(ctx, id) {
    const user = users[id];
    if (!user) return undefined;
    const { tamper, ...claims } = user;
    return { accountId: id, claims: async () => ({ sub: id, ...claims }) };
  },
});

const b64 = (value) => Buffer.from(value).toString('base64url');

function resign(idToken, tamper) {
  const [header, payload] = idToken.split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url')));
  const key = tamper.key ? unpublished[tamper.key] : published;
  const changed = { ...payload };
  for (const claim of ['aud', 'nonce', 'iss', 'azp']) {
    if (claim in tamper) changed[claim] = tamper[claim];
  }
  const input = `${b64(JSON.stringify({ ...header, kid: key.kid }))}.${b64(JSON.stringify(changed))}`;
  const signature = sign('sha256', Buffer.from(input), createPrivateKey({ key, format: 'jwk' }));
  return `${input}.${signature.toString('base64url')}`;
}

provider.use(async (ctx, next) => {
  await next();
  if (ctx.path === '/token' && ctx.body && typeof ctx.body === 'object' && ctx.body.id_token) {
    const payload = JSON.parse(Buffer.from(ctx.body.id_token.split('.')[1], 'base64url'));
    const tamper = users[payload.sub]?.tamper;
    if (tamper) ctx.body = { ...ctx.body, id_token: resign(ctx.body.id_token, tamper) };
  }
});

const server = provider.listen(config.port, '127.0.0.1', () => {
  process.stdout.write(`ready ${config.issuer}\n`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
