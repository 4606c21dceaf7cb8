'use strict';
// A small account API, written in a hurry. Every route works, and the whole
// thing is wide open: harden it until every probe of `nodedive verify` passes
// (README.md lists what each probe expects).
//
// Run it by hand: `npm ci` here (or verify once: it links its own install),
// then `JWT_SECRET=… node server.js`.

const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const express = require('express');
const cors = require('cors');
const jwt = require('jsonwebtoken');

const JWT_SECRET = 'secret';
const users = JSON.parse(fs.readFileSync(path.join(__dirname, 'users.json'), 'utf8'));

const app = express();
// nodedive's probes reach the app as if through a reverse proxy on this
// machine, each simulated client naming itself in X-Forwarded-For. Trusting
// that proxy (loopback), and nobody else, lets a rate limit count each
// client on its own. Keep this line.
app.set('trust proxy', 'loopback');

app.use(cors());
app.use(express.json());

app.get('/', (req, res) => {
  res.json({ message: 'hello', pid: process.pid });
});

app.post('/login', (req, res) => {
  const { email, password } = req.body;
  const user = users.find((u) => u.email === email);
  if (!user || user.password !== password) {
    return res.status(401).json({ error: 'Invalid email or password' });
  }
  const token = jwt.sign({ sub: user.email, name: user.name }, JWT_SECRET);
  res.json({ token });
});

app.get('/me', (req, res) => {
  const token = (req.get('authorization') || '').replace('Bearer ', '');
  try {
    const claims = jwt.verify(token, JWT_SECRET);
    res.json({ email: claims.sub, name: claims.name });
  } catch (err) {
    res.status(401).json({ error: err.message });
  }
});

// A route that fails, as real code sometimes does. Keep it: a probe uses it.
app.get('/boom', () => {
  throw new Error('the /boom handler failed on purpose');
});

const server = http.createServer(app);
server.listen(Number(process.env.PORT) || 3000, process.env.HOST || '127.0.0.1', () => {
  console.log(`listening on http://${process.env.HOST || '127.0.0.1'}:${server.address().port}`);
});
