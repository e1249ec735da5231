// A scriptable OpenID Connect identity provider on 127.0.0.1 for the single sign-on tests:
// discovery, a key set, an authorization endpoint that signs the user in at once, and a token
// endpoint that checks the client, the code (once) and PKCE, then issues an ID token the test
// may spoil on purpose (expired, wrong audience, a key the set does not publish, ...).
// Keys are made at test time. The happy path is also run against the real oidc-provider
// package (oidc_provider.test.mjs); this one exists because no real provider issues bad tokens.
import { createHash, createSign, generateKeyPairSync, randomBytes } from 'node:crypto';
import http from 'node:http';

const b64u = (b) => Buffer.from(b).toString('base64url');

/** A signing key: { kid, alg, jwk (public), sign(input) → base64url signature }. */
export function makeKey(alg, kid = `${alg}-${randomBytes(4).toString('hex')}`) {
  const { privateKey, publicKey } =
    alg === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' };
  const sign = (input) => {
    const s = createSign('SHA256').update(input);
    // JOSE wants ES256 as r || s, not DER
    return b64u(alg === 'ES256' ? s.sign({ key: privateKey, dsaEncoding: 'ieee-p1363' }) : s.sign(privateKey));
  };
  return { kid, alg, jwk, sign };
}

/** A compact JWS of claims with key (header overrides in header). */
export function signJwt(key, claims, header = {}) {
  const input = `${b64u(JSON.stringify({ alg: key.alg, typ: 'JWT', kid: key.kid, ...header }))}.${b64u(JSON.stringify(claims))}`;
  return `${input}.${key.sign(input)}`;
}

/**
 * Start the provider. idp.published: keys in the key set; idp.signer: the key that signs;
 * idp.subject: the claims of the user who signs in; idp.spoil(claims) → claims, or a function
 * returning a whole id_token string, for the next token only.
 */
export async function startIdp({ clientId = 'dangjian', clientSecret = 'idp-secret' } = {}) {
  const codes = new Map();
  const idp = {
    clientId,
    clientSecret,
    published: [makeKey('RS256')],
    signer: null,
    subject: { sub: 'u-1', employee_number: 'EA002' },
    spoil: null,
    jwksFetches: 0,
  };
  idp.signer = idp.published[0];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, idp.issuer);
    const json = (status, body) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/.well-known/openid-configuration') {
      return json(200, {
        issuer: idp.issuer,
        authorization_endpoint: `${idp.issuer}/authorize`,
        token_endpoint: `${idp.issuer}/token`,
        jwks_uri: `${idp.issuer}/jwks`,
        id_token_signing_alg_values_supported: ['RS256', 'ES256'],
      });
    }
    if (url.pathname === '/jwks') {
      idp.jwksFetches++;
      return json(200, { keys: idp.published.map((k) => k.jwk) });
    }
    if (url.pathname === '/authorize') {
      const q = url.searchParams;
      if (q.get('client_id') !== clientId || q.get('response_type') !== 'code' || q.get('code_challenge_method') !== 'S256' || !q.get('code_challenge') || !q.get('nonce') || !q.get('state') || !/openid/.test(q.get('scope') ?? '')) {
        return json(400, { error: 'invalid_request', query: Object.fromEntries(q) });
      }
      const code = randomBytes(16).toString('hex');
      codes.set(code, { nonce: q.get('nonce'), challenge: q.get('code_challenge'), redirect: q.get('redirect_uri') });
      const back = new URL(q.get('redirect_uri'));
      back.searchParams.set('code', code);
      back.searchParams.set('state', q.get('state'));
      res.writeHead(302, { Location: back.toString() });
      return res.end();
    }
    if (url.pathname === '/token' && req.method === 'POST') {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        const form = new URLSearchParams(body);
        const basic = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString();
        if (basic !== `${clientId}:${clientSecret}`) return json(401, { error: 'invalid_client' });
        const c = codes.get(form.get('code'));
        codes.delete(form.get('code')); // a code is good once
        if (!c || form.get('grant_type') !== 'authorization_code' || form.get('redirect_uri') !== c.redirect) return json(400, { error: 'invalid_grant' });
        const challenge = createHash('sha256').update(form.get('code_verifier') ?? '').digest('base64url');
        if (challenge !== c.challenge) return json(400, { error: 'invalid_grant', error_description: 'PKCE' });
        const now = Math.floor(Date.now() / 1000);
        let claims = { iss: idp.issuer, aud: clientId, iat: now, exp: now + 300, nonce: c.nonce, ...idp.subject };
        const spoil = idp.spoil;
        idp.spoil = null;
        let idToken;
        if (spoil) {
          const out = spoil(claims);
          if (typeof out === 'string') idToken = out;
          else claims = out;
        }
        idToken ??= signJwt(idp.signer, claims);
        return json(200, { access_token: 'at', token_type: 'Bearer', expires_in: 300, id_token: idToken });
      });
      return undefined;
    }
    return json(404, { error: 'not_found' });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  idp.issuer = `http://127.0.0.1:${server.address().port}`;
  idp.stop = () => new Promise((resolve) => server.close(resolve));
  return idp;
}
