'use strict';
// JSON Web Tokens with jsonwebtoken: RS256 only, short-lived, for one
// audience from one issuer. The private key signs, the public key checks.

const fs = require('node:fs');
const jwt = require('jsonwebtoken');

const PRIVATE_KEY = fs.readFileSync(process.env.JWT_PRIVATE_KEY_FILE, 'utf8');
const PUBLIC_KEY = fs.readFileSync(process.env.JWT_PUBLIC_KEY_FILE, 'utf8');
const ISSUER = 'https://auth.nodedive.test';
const AUDIENCE = 'nodedive-api';
const LIFETIME_S = 15 * 60;

function sign(claims) {
  return jwt.sign(claims, PRIVATE_KEY, {
    algorithm: 'RS256',
    expiresIn: LIFETIME_S,
    issuer: ISSUER,
    audience: AUDIENCE,
  });
}

// Returns the token's claims, or throws. The algorithm comes from here, never
// from the token's header: "none" and HS256 (an HMAC keyed with our public
// key, which anyone has) are refused. jwt.verify also refuses an expired
// token, and checks the audience and issuer only when told to.
function verify(token) {
  return jwt.verify(token, PUBLIC_KEY, { algorithms: ['RS256'], audience: AUDIENCE, issuer: ISSUER });
}

module.exports = { sign, verify, ISSUER, AUDIENCE };
