// A real OpenID provider for the tests: the npm package oidc-provider (a certified
// implementation), on http://127.0.0.1:PORT (PORT is the first argument). It prints "ready"
// once it listens. Started by tests/oidc_server.py; `make test` installs its packages.
//
// The people who can sign in, with their passwords and claims, are in ACCOUNTS below. Its own
// login form is at /interaction/<uid>; consent is granted without asking (a company's own app).
//
// Besides the honest client "wiki", a few clients get an ID token that a broken or hostile
// provider might send, still from the real token endpoint: to show that the wiki's checks are
// what refuses them.
import http from 'node:http';

import * as jose from 'jose';
import Provider from 'oidc-provider';

const port = Number(process.argv[2]);
const issuer = `http://127.0.0.1:${port}`;
const CLIENT_SECRET = 'wiki-client-secret';

const ACCOUNTS = {
  'ines@example.com': {
    password: 'ines-company-password',
    claims: {
      name: 'Ines Oidc', email: 'ines@example.com', email_verified: true,
      groups: ['finance', 'wiki-trainers'],
    },
  },
  'omar@example.com': {
    password: 'omar-company-password',
    claims: {
      name: 'Omar Oidc', email: 'omar@example.com', email_verified: true, groups: ['wiki-admins'],
    },
  },
  'ulla@example.com': {
    password: 'ulla-company-password',
    claims: {
      name: 'Ulla Unverified', email: 'ulla@example.com', email_verified: false,
      groups: ['finance'],
    },
  },
  'erik@example.com': {
    password: 'erik-company-password',
    // As Entra ID sends it: no email_verified, but xms_edov (the email's domain is verified).
    claims: { name: 'Erik Entra', email: 'erik@example.com', xms_edov: true, groups: ['finance'] },
  },
  'noah@example.com': {
    password: 'noah-company-password',
    claims: {
      name: 'Noah Nogroup', email: 'noah@example.com', email_verified: true, groups: ['canteen'],
    },
  },
};

// Signs the ID tokens; published at /jwks.
const { privateKey: signingKey } = await jose.generateKeyPair('RS256', { extractable: true });
const signingJwk = { ...(await jose.exportJWK(signingKey)), kid: 'provider-key', alg: 'RS256', use: 'sig' };
// Never published, but named like the real key: a token it signs must fail the signature check.
const { privateKey: strayKey } = await jose.generateKeyPair('RS256');

const now = () => Math.floor(Date.now() / 1000);
const TAMPERED = {
  // Made for another app, naming the wiki as the party it was issued to.
  'wiki-wrong-audience': (claims) => ({ ...claims, aud: 'another-app', azp: claims.aud }),
  'wiki-wrong-issuer': (claims) => ({ ...claims, iss: 'http://127.0.0.1:9/' }),
  'wiki-wrong-nonce': (claims) => ({ ...claims, nonce: 'a-nonce-the-wiki-never-sent' }),
  'wiki-expired': (claims) => ({ ...claims, iat: now() - 7200, exp: now() - 3600 }),
  'wiki-forged': (claims) => claims, // signed with the stray key below
};

// Redirects to the wiki may use any loopback port (the browser test's server picks one):
// oidc-provider allows that for "native" clients (RFC 8252, 7.3), and only for them.
const client = (clientId) => ({
  client_id: clientId,
  client_secret: CLIENT_SECRET,
  application_type: 'native',
  redirect_uris: ['http://localhost/auth/oidc/callback', 'http://127.0.0.1/auth/oidc/callback'],
  token_endpoint_auth_method: 'client_secret_basic',
});

const provider = new Provider(issuer, {
  clients: [client('wiki'), ...Object.keys(TAMPERED).map(client)],
  jwks: { keys: [signingJwk] },
  cookies: { keys: ['test-provider-cookie-key'] },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified', 'xms_edov'],
    profile: ['name'],
    groups: ['groups'],
  },
  scopes: ['openid', 'email', 'profile', 'groups'],
  // The claims go in the ID token, as Entra ID and Keycloak put them.
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  features: { devInteractions: { enabled: false } },
  async findAccount(ctx, id) {
    const account = ACCOUNTS[id];
    return account && { accountId: id, claims: async () => ({ sub: id, ...account.claims }) };
  },
});

const escape = (text) => String(text).replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

function loginPage(uid, problem = '') {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Company sign-in</title></head>
<body><main><h1>Company sign-in</h1>${problem ? `<p role="alert">${escape(problem)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login">
<label>Email <input type="text" name="login" autocomplete="username" required></label>
<label>Password <input type="password" name="password" autocomplete="current-password" required></label>
<button type="submit">Sign in</button></form></main></body></html>`;
}

async function formOf(request) {
  let body = '';
  for await (const chunk of request) body += chunk;
  return new URLSearchParams(body);
}

// The login form, before oidc-provider's own routes.
provider.use(async (ctx, next) => {
  const match = ctx.path.match(/^\/interaction\/([^/]+)(\/login)?$/);
  if (!match) {
    await next();
    return;
  }
  const { req, res } = ctx;
  const details = await provider.interactionDetails(req, res);
  if (details.prompt.name === 'consent') { // granted at once: the company's own app
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
    const { missingOIDCScope, missingOIDCClaims } = details.prompt.details;
    if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '));
    if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
    ctx.respond = false;
    await provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, {
      mergeWithLastSubmission: true,
    });
    return;
  }
  if (ctx.method === 'GET') {
    ctx.type = 'html';
    ctx.body = loginPage(details.uid);
    return;
  }
  const form = await formOf(req);
  const account = ACCOUNTS[form.get('login')];
  if (!account || account.password !== form.get('password')) {
    ctx.status = 401;
    ctx.type = 'html';
    ctx.body = loginPage(details.uid, 'Wrong email or password.');
    return;
  }
  ctx.respond = false; // interactionFinished answers the redirect itself
  await provider.interactionFinished(req, res, { login: { accountId: form.get('login') } }, {
    mergeWithLastSubmission: false,
  });
});

// A tampering client's ID token, changed and signed again after the token endpoint made it.
provider.use(async (ctx, next) => {
  await next();
  const tamper = TAMPERED[ctx.oidc?.client?.clientId];
  if (ctx.path !== '/token' || !tamper || !ctx.body?.id_token) return;
  const claims = tamper(jose.decodeJwt(ctx.body.id_token));
  const key = ctx.oidc.client.clientId === 'wiki-forged' ? strayKey : signingKey;
  ctx.body = {
    ...ctx.body,
    id_token: await new jose.SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: signingJwk.kid })
      .sign(key),
  };
});

http.createServer(provider.callback()).listen(port, '127.0.0.1', () => {
  process.stdout.write('ready\n');
});
