'use strict';
// An auth service: register, log in for a token, and read your account with
// the token. It works. Its passwords and tokens are not safe (README.md).

const crypto = require('node:crypto');
const http = require('node:http');
const express = require('express');
const store = require('./store');
const tokens = require('./tokens');

const app = express();
app.set('trust proxy', 'loopback');
app.use(express.json({ limit: '10kb' }));

// { email, password } when both are non-empty strings, else null.
function credentials(body) {
  const { email, password } = body ?? {};
  if (typeof email !== 'string' || typeof password !== 'string' || email === '' || password === '') return null;
  return { email, password };
}

// A salted SHA-256: a GPU tries billions of these a second.
function sha256(salt, password) {
  return crypto.createHash('sha256').update(salt + password).digest('hex');
}

app.post('/register', (req, res) => {
  const c = credentials(req.body);
  if (!c) return res.status(400).json({ error: 'email and password must be non-empty strings' });
  if (store.find(c.email)) return res.status(409).json({ error: 'already registered' });
  const salt = crypto.randomBytes(8).toString('hex');
  store.add({ email: c.email, salt, passwordHash: sha256(salt, c.password) });
  res.status(201).json({ email: c.email.toLowerCase() });
});

app.post('/login', (req, res) => {
  const c = credentials(req.body);
  if (!c) return res.status(400).json({ error: 'email and password must be non-empty strings' });
  const user = store.find(c.email);
  if (!user) return res.status(401).json({ error: `No account for ${c.email}` });
  if (sha256(user.salt, c.password) !== user.passwordHash) {
    return res.status(401).json({ error: 'Wrong password' });
  }
  res.json({ token: tokens.sign({ sub: user.email }) });
});

app.get('/me', (req, res) => {
  const match = /^Bearer (\S+)$/.exec(req.get('authorization') || '');
  if (!match) return res.status(401).json({ error: 'Missing bearer token' });
  let claims;
  try {
    claims = tokens.verify(match[1]);
  } catch {
    return res.status(401).json({ error: 'Invalid token' });
  }
  const user = store.find(String(claims.sub));
  if (!user) return res.status(401).json({ error: 'Invalid token' });
  res.json({ email: user.email });
});

const server = http.createServer(app);
server.listen(Number(process.env.PORT) || 3000, process.env.HOST || '127.0.0.1', () => {
  console.log(`listening on http://${process.env.HOST || '127.0.0.1'}:${server.address().port}`);
});
