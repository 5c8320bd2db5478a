// A real OpenID provider (oidc-provider, pinned in package-lock.json) for Ward's SSO end-to-end
// tests. Never for production: development interactions accept any login and any password.
//
// Usage: node provider.mjs --redirect-uri URI [--tls-cert PEM --tls-key PEM]
//
// Listens on a free port on 127.0.0.1 (over HTTPS when given a certificate), then prints one line
//   ward-test-provider ready ISSUER
// on stdout. It exits when its standard input closes, so it cannot outlive the test that started
// it (the test holds the other end of a pipe), and after five minutes in any case.
//
// Clients (all with the one redirect URI, authorization code flow, PKCE required):
//   ward-rs256   secret "ward-rs256-secret", client_secret_basic, ID tokens signed RS256
//   ward-es256   secret "ward-es256-secret", client_secret_post, ID tokens signed ES256
//   ward-public  public client (token_endpoint_auth_method none), RS256
// Accounts: any login name is accepted. Claims: email NAME@example.test, preferred_username NAME,
// name, and a "groups" claim (scope "groups"): "alice" is in engineering and ward-admins, anyone
// else in engineering only. "alice" signs in with a second factor (acr urn:ward:test:loa2, amr
// ["pwd","otp"]); anyone else with a password only (acr urn:ward:test:loa1, amr ["pwd"]).

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import process from 'node:process';

import Provider from 'oidc-provider';

function argument(name) {
  const index = process.argv.indexOf(name);
  return index >= 0 && index + 1 < process.argv.length ? process.argv[index + 1] : undefined;
}

const redirectUri = argument('--redirect-uri');
const tlsCert = argument('--tls-cert');
const tlsKey = argument('--tls-key');
if (!redirectUri) {
  process.stderr.write('usage: node provider.mjs --redirect-uri URI [--tls-cert PEM --tls-key PEM]\n');
  process.exit(2);
}

function signingKey(type, options, kid, alg) {
  const { privateKey } = generateKeyPairSync(type, options);
  return { ...privateKey.export({ format: 'jwk' }), kid, alg, use: 'sig' };
}

const jwks = {
  keys: [
    signingKey('rsa', { modulusLength: 2048 }, 'test-rsa-1', 'RS256'),
    signingKey('ec', { namedCurve: 'P-256' }, 'test-ec-1', 'ES256'),
  ],
};

const clientDefaults = {
  redirect_uris: [redirectUri],
  grant_types: ['authorization_code'],
  response_types: ['code'],
};

const clients = [
  {
    ...clientDefaults,
    client_id: 'ward-rs256',
    client_secret: 'ward-rs256-secret',
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: 'RS256',
  },
  {
    ...clientDefaults,
    client_id: 'ward-es256',
    client_secret: 'ward-es256-secret',
    token_endpoint_auth_method: 'client_secret_post',
    id_token_signed_response_alg: 'ES256',
  },
  {
    ...clientDefaults,
    client_id: 'ward-public',
    token_endpoint_auth_method: 'none',
    id_token_signed_response_alg: 'RS256',
  },
];

const withSecondFactor = (login) => login === 'alice';

async function findAccount(ctx, id) {
  return {
    accountId: id,
    async claims() {
      return {
        sub: id,
        email: `${id}@example.test`,
        email_verified: true,
        preferred_username: id,
        name: `Test user ${id}`,
        groups: withSecondFactor(id) ? ['engineering', 'ward-admins'] : ['engineering'],
      };
    },
  };
}

const server = tlsCert
  ? https.createServer({ cert: readFileSync(tlsCert), key: readFileSync(tlsKey) })
  : http.createServer();

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `${tlsCert ? 'https' : 'http'}://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients,
    jwks,
    findAccount,
    claims: {
      // How the user signed in goes into every ID token (by default acr only when requested).
      openid: ['sub', 'acr', 'amr', 'auth_time'],
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username'],
      groups: ['groups'],
    },
    scopes: ['openid', 'email', 'profile', 'groups'],
    // Put the scope-requested claims into the ID token itself, which is what Ward reads.
    conformIdTokenClaims: false,
    acrValues: ['urn:ward:test:loa1', 'urn:ward:test:loa2'],
    features: { devInteractions: { enabled: true } },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    pkce: { required: () => true },
  });

  // The development login form knows nothing of second factors; say how each account signed in.
  const interactionFinished = provider.interactionFinished.bind(provider);
  provider.interactionFinished = (req, res, result, options) => {
    if (result?.login) {
      const mfa = withSecondFactor(result.login.accountId);
      result.login.acr = mfa ? 'urn:ward:test:loa2' : 'urn:ward:test:loa1';
      result.login.amr = mfa ? ['pwd', 'otp'] : ['pwd'];
    }
    return interactionFinished(req, res, result, options);
  };

  server.on('request', provider.callback());
  process.stdout.write(`ward-test-provider ready ${issuer}\n`);
});

// Stop with the test: its end of the stdin pipe closes when it exits, however it exits.
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
setTimeout(() => process.exit(0), 5 * 60 * 1000).unref();
