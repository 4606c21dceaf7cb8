'use strict';
// The account API, hardened: every probe of `nodedive verify` passes.

const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const express = require('express');
const helmet = require('helmet');
const cors = require('cors');
const { rateLimit } = require('express-rate-limit');
const bcrypt = require('bcryptjs');
const jwt = require('jsonwebtoken');

// The signing secret comes from the environment, never from the code: a
// secret in the repository is a secret everyone with the repository has.
const JWT_SECRET = process.env.JWT_SECRET;
if (!JWT_SECRET || JWT_SECRET.length < 32) {
  console.error('JWT_SECRET must be set to a random string of at least 32 characters');
  process.exit(1);
}
// Short-lived tokens: 15 minutes at most, less when TOKEN_TTL_S says so.
const MAX_TTL_S = 15 * 60;
const TOKEN_TTL_S = Math.min(Number(process.env.TOKEN_TTL_S) || MAX_TTL_S, MAX_TTL_S);
const ALLOWED_ORIGINS = ['https://trusted.com'];
const FIFTEEN_MINUTES = 15 * 60 * 1000;

const users = new Map(
  JSON.parse(fs.readFileSync(path.join(__dirname, 'users.json'), 'utf8')).map((u) => [u.email.toLowerCase(), u]),
);
// Compared when the e-mail is unknown, so that a wrong address costs as much
// as a wrong password (the same cost, 10). Nobody kept the random string it
// hashes.
const DECOY_HASH = '$2a$10$8rQJvWJuIpu6HxJjqNnzYuqLv4Se3wLWxBNG5oRQTNnfj4nXmWXUW';

const app = express();
app.set('trust proxy', 'loopback');

app.use(helmet()); // the security headers, and no X-Powered-By
app.use(cors({ origin: ALLOWED_ORIGINS })); // an allow-list: others get no Allow-Origin
app.use(rateLimit({
  windowMs: FIFTEEN_MINUTES,
  limit: 100,
  standardHeaders: 'draft-7',
  legacyHeaders: false,
  message: { error: 'Too many requests, try again later' },
}));
app.use(express.json({ limit: '10kb' }));

// Password guessing gets a much smaller budget than browsing.
const loginLimit = rateLimit({
  windowMs: FIFTEEN_MINUTES,
  limit: 10,
  standardHeaders: 'draft-7',
  legacyHeaders: false,
  message: { error: 'Too many login attempts, try again later' },
});

app.get('/', (req, res) => {
  res.json({ message: 'hello', pid: process.pid });
});

app.post('/login', loginLimit, async (req, res) => {
  const { email, password } = req.body ?? {};
  if (typeof email !== 'string' || typeof password !== 'string' || email === '' || password === '') {
    return res.status(400).json({ error: 'email and password must be non-empty strings' });
  }
  if (email.length > 254 || Buffer.byteLength(password) > 72) {
    return res.status(400).json({ error: 'email or password too long' });
  }
  const user = users.get(email.toLowerCase());
  const ok = await bcrypt.compare(password, user ? user.passwordHash : DECOY_HASH);
  if (!user || !ok) {
    return res.status(401).json({ error: 'Invalid email or password' });
  }
  const token = jwt.sign({ sub: user.email, name: user.name }, JWT_SECRET, {
    algorithm: 'HS256',
    expiresIn: '7d',
  });
  res.json({ token, expiresIn: TOKEN_TTL_S });
});

app.get('/me', (req, res) => {
  const match = /^Bearer (\S+)$/.exec(req.get('authorization') || '');
  if (!match) return res.status(401).json({ error: 'Missing bearer token' });
  let claims;
  try {
    claims = jwt.verify(match[1], JWT_SECRET, { algorithms: ['HS256'] });
  } catch {
    return res.status(401).json({ error: 'Invalid or expired token' });
  }
  const user = users.get(String(claims.sub).toLowerCase());
  if (!user) return res.status(401).json({ error: 'Invalid or expired token' });
  res.json({ email: user.email, name: user.name });
});

app.get('/boom', () => {
  throw new Error('the /boom handler failed on purpose');
});

app.use((req, res) => {
  res.status(404).json({ error: 'Not found' });
});

// The last word on every error: the details go to the log, the client gets a
// status and a short message.
// eslint-disable-next-line no-unused-vars
app.use((err, req, res, next) => {
  if (err.type === 'entity.too.large') return res.status(413).json({ error: 'Request body too large' });
  if (err.type === 'entity.parse.failed') return res.status(400).json({ error: 'Malformed JSON' });
  const status = err.status || err.statusCode;
  if (status >= 400 && status < 500) return res.status(status).json({ error: http.STATUS_CODES[status] });
  console.error(err);
  res.status(500).json({ error: 'Internal server error' });
});

const server = http.createServer({
  // A client that takes more than 5 s to send its headers, or 10 s for the
  // whole request, is dropped. Node looks for them every
  // connectionsCheckingInterval (30 s by default), so check more often.
  headersTimeout: 5000,
  requestTimeout: 10000,
  connectionsCheckingInterval: 500,
}, app);
server.listen(Number(process.env.PORT) || 3000, process.env.HOST || '127.0.0.1', () => {
  console.log(`listening on http://${process.env.HOST || '127.0.0.1'}:${server.address().port}`);
});
