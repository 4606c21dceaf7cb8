'use strict';
// The auth service with passwords and tokens done right.

const http = require('node:http');
const bcrypt = require('bcryptjs');
const express = require('express');
const store = require('./store');
const tokens = require('./tokens');

// bcrypt's work factor: 2^10 rounds, about 50-100 ms a hash on a server.
const COST = 10;
// bcrypt reads only the first 72 bytes of a password (bytes, not characters:
// an emoji is 4), so longer ones are refused rather than silently cut.
const MAX_PASSWORD_BYTES = 72;
// Compared when the e-mail is unknown, so that a wrong address costs as much
// as a wrong password: the same cost as real hashes. Nobody kept the random
// string it hashes.
const DECOY_HASH = '$2a$10$8rQJvWJuIpu6HxJjqNnzYuqLv4Se3wLWxBNG5oRQTNnfj4nXmWXUW';
// One answer for every failed login: which part was wrong is for the log.
const LOGIN_FAILED = { error: 'Invalid email or password' };

const app = express();
app.set('trust proxy', 'loopback');
app.use(express.json({ limit: '10kb' }));

// { email, password } when both are non-empty strings, else null.
function credentials(body) {
  const { email, password } = body ?? {};
  if (typeof email !== 'string' || typeof password !== 'string' || email === '' || password === '') return null;
  return { email, password };
}

const tooLong = (password) => password.length > MAX_PASSWORD_BYTES;

app.post('/register', async (req, res) => {
  const c = credentials(req.body);
  if (!c) return res.status(400).json({ error: 'email and password must be non-empty strings' });
  if (tooLong(c.password)) {
    return res.status(400).json({ error: `passwords are limited to ${MAX_PASSWORD_BYTES} bytes` });
  }
  if (store.find(c.email)) return res.status(409).json({ error: 'already registered' });
  const passwordHash = await bcrypt.hash(c.password, COST);
  store.add({ email: c.email, passwordHash });
  res.status(201).json({ email: c.email.toLowerCase() });
});

app.post('/login', async (req, res) => {
  const c = credentials(req.body);
  if (!c) return res.status(400).json({ error: 'email and password must be non-empty strings' });
  const user = store.find(c.email);
  // Always one bcrypt comparison, whoever asks. A password over the limit
  // could only match by its first 72 bytes, so it never does.
  const ok = await bcrypt.compare(c.password, user ? user.passwordHash : DECOY_HASH);
  if (!user || !ok || tooLong(c.password)) return res.status(401).json(LOGIN_FAILED);
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
