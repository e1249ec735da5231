// The npm package oidc-provider as the enterprise identity provider, on 127.0.0.1, with keys
// made at test time. Its sign-in and consent pages are completed at once for provider.user
// (an account id whose employee_number claim is provider.claims[user]), so a browser or an
// HTTP client following redirects comes back signed in.
import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import Provider from 'oidc-provider';

export async function startOidcProvider({ redirectUri, clientId = 'dangjian', clientSecret = 'op-secret', claims = {} }) {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const server = http.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const state = { user: Object.keys(claims)[0] ?? 'u-1', claims, issuer, clientId, clientSecret };
  const provider = new Provider(issuer, {
    clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: [redirectUri], response_types: ['code'], grant_types: ['authorization_code'], token_endpoint_auth_method: 'client_secret_basic' }],
    jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'op-rs256', alg: 'RS256', use: 'sig' }] },
    claims: { openid: ['sub', 'employee_number'] },
    conformIdTokenClaims: false, // the employee number goes into the ID token itself
    findAccount: (ctx, id) => ({ accountId: id, claims: () => ({ sub: id, employee_number: state.claims[id] }) }),
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    features: { devInteractions: { enabled: false } },
    cookies: { keys: ['test-cookie-key-made-for-this-run'] },
    pkce: { required: () => true },
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
  });
  const callback = provider.callback();
  server.on('request', async (req, res) => {
    if (!req.url.startsWith('/interaction/')) return callback(req, res);
    try {
      const details = await provider.interactionDetails(req, res);
      let result;
      if (details.prompt.name === 'login') {
        result = { login: { accountId: state.user } };
      } else {
        const grant = new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
        grant.addOIDCScope('openid');
        result = { consent: { grantId: await grant.save() } };
      }
      await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
    } catch (e) {
      res.statusCode = 500;
      res.end(String(e));
    }
  });
  state.stop = () => new Promise((resolve) => server.close(resolve));
  return state;
}
