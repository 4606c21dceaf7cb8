'use strict';
// The hardened Express app of nodedive's security lab (lesson q15), served by
// node:cluster workers. It keeps the same contract as the Go app in
// labs/secure, so the same probes can attack both.
//
// nodedive installs the dependencies with `npm ci`, then starts this file with
// its settings in LAB_* environment variables (see readSettings) and waits for
// the primary to print one JSON line: {"event":"listening","url":...}.

const cluster = require('node:cluster');
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const https = require('node:https');

const DEMO_EMAIL = 'learner@example.com';
const DEMO_NAME = 'Demo Learner';
// The account table stores bcrypt hashes (cost 10), never passwords: this
// one is of the demo password 'open-sesame-42'. The Go app stores the same.
const DEMO_PASSWORD_HASH = '$2a$10$kRFWA0yZU68gbOdEQoDpWuRgUggzQLXR4BtRKnTY0oxt8fUCVA1WC';
// Checked when the e-mail is unknown, so a wrong address takes as long as a
// wrong password and does not reveal who has an account. Nobody kept the
// random string it hashes.
const DECOY_HASH = '$2a$10$8rQJvWJuIpu6HxJjqNnzYuqLv4Se3wLWxBNG5oRQTNnfj4nXmWXUW';

function readSettings(env) {
  const num = (name, fallback) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0) {
      throw new Error(`${name}=${raw}: expected a whole number >= 0`);
    }
    return n;
  };
  const store = env.LAB_STORE || 'memory';
  if (!['memory', 'primary', 'redis'].includes(store)) {
    throw new Error(`LAB_STORE=${store}: expected memory, primary or redis`);
  }
  return {
    host: env.LAB_HOST || '127.0.0.1',
    port: num('LAB_PORT', 3000),
    workers: Math.max(1, num('LAB_WORKERS', 2)),
    store,
    redisURL: env.REDIS_URL || '',
    limit: num('LAB_RATE_LIMIT', 100),
    windowMs: num('LAB_RATE_WINDOW_MS', 15 * 60 * 1000),
    origins: (env.LAB_CORS_ORIGINS || 'https://trusted.com')
      .split(',').map((s) => s.trim()).filter(Boolean),
    tokenTTL: num('LAB_TOKEN_TTL_S', 15 * 60),
    ttlHook: env.LAB_TTL_HOOK === '1',
    headersTimeoutMs: num('LAB_HEADERS_TIMEOUT_MS', 5000),
    requestTimeoutMs: num('LAB_REQUEST_TIMEOUT_MS', 10000),
    tlsCert: env.LAB_TLS_CERT || '',
    tlsKey: env.LAB_TLS_KEY || '',
    secret: env.NODEDIVE_JWT_SECRET || '',
  };
}

function main() {
  let settings;
  try {
    settings = readSettings(process.env);
  } catch (err) {
    console.error(`secure lab: ${err.message}`);
    process.exit(2);
  }
  if (cluster.isPrimary) {
    runPrimary(settings);
  } else {
    runWorker(settings).catch((err) => {
      console.error(`worker ${process.pid} could not start: ${err.stack || err}`);
      process.exit(3);
    });
  }
}

// ---------------------------------------------------------------- primary

function runPrimary(s) {
  if (!s.secret) {
    // Every worker must verify the tokens any other worker signed, so the
    // random secret is made once here and handed to all of them.
    s.secret = crypto.randomBytes(32).toString('hex');
    console.error('warning: NODEDIVE_JWT_SECRET is not set: using a random secret for this run; ' +
      'tokens stop working when the server restarts');
  }
  if (s.store === 'primary') {
    // Holds every worker's counters in this process; workers ask over IPC.
    const { ClusterMemoryStorePrimary } = require('@express-rate-limit/cluster-memory-store');
    new ClusterMemoryStorePrimary().init();
  }

  const ready = new Map(); // worker id -> pid, once listening
  // Every worker until its 'exit'. Not cluster.workers: that forgets a worker
  // as soon as disconnect() is called, while it may still be answering.
  const running = new Set();
  let announced = false;
  let stopping = false;
  let exitCode = 0;
  let crashes = 0; // crashes in a row of workers that died young

  const fork = () => {
    const worker = cluster.fork({ NODEDIVE_JWT_SECRET: s.secret });
    worker.startedAt = Date.now();
    running.add(worker);
    return worker;
  };
  for (let i = 0; i < s.workers; i++) fork();

  cluster.on('listening', (worker, address) => {
    ready.set(worker.id, worker.process.pid);
    if (!announced && ready.size === s.workers) {
      announced = true;
      const scheme = s.tlsCert ? 'https' : 'http';
      const line = {
        event: 'listening',
        url: `${scheme}://${s.host}:${address.port}`,
        primary: process.pid,
        workers: [...ready.values()],
        store: s.store,
        schedulingPolicy: cluster.schedulingPolicy === cluster.SCHED_RR ? 'rr' : 'none',
      };
      process.stdout.write(JSON.stringify(line) + '\n');
    }
  });

  cluster.on('exit', (worker, code, signal) => {
    ready.delete(worker.id);
    running.delete(worker);
    if (stopping) {
      if (running.size === 0) process.exit(exitCode);
      return;
    }
    if (!announced) {
      // A worker that dies before the cluster ever served would die again:
      // stop here and let nodedive show its stderr.
      console.error(`worker ${worker.process.pid} exited (code ${code}, signal ${signal}) before listening`);
      stopAll(1);
      return;
    }
    // Back off: 200 ms after a crash, doubling with each crash in a row, up
    // to 5 s. A worker that had served for 10 s or more starts a new count.
    crashes = Date.now() - worker.startedAt >= 10000 ? 1 : crashes + 1;
    const delay = Math.min(200 * 2 ** (crashes - 1), 5000);
    console.error(`worker ${worker.process.pid} exited (code ${code}, signal ${signal}); starting a new one in ${delay} ms`);
    setTimeout(() => {
      if (!stopping) fork();
    }, delay);
  });

  // stopAll drains the workers and leaves only after the last one: a worker
  // whose primary is gone exits at once (cluster's IPC 'disconnect'
  // handler), which would cut its open requests short. disconnect() lets
  // each finish what it has; STOP_MS bounds the wait (nodedive kills the
  // whole group 3 s after its SIGTERM).
  const STOP_MS = 2500;
  const stopAll = (code) => {
    if (stopping) return;
    stopping = true;
    exitCode = code;
    if (running.size === 0) process.exit(code);
    for (const w of running) {
      if (w.isConnected()) w.disconnect();
      else w.process.kill('SIGTERM');
    }
    setTimeout(() => {
      for (const w of running) w.process.kill('SIGKILL');
      process.exit(code || 1);
    }, STOP_MS).unref();
  };
  process.on('SIGINT', () => stopAll(0));
  process.on('SIGTERM', () => stopAll(0));
}

// ----------------------------------------------------------------- worker

async function runWorker(s) {
  const store = await makeStore(s);
  const users = seedUsers();
  const app = buildApp(s, store, users);
  const options = {
    // Slow clients: drop a connection whose headers take too long, or whose
    // whole request does. Node checks these every connectionsCheckingInterval.
    headersTimeout: s.headersTimeoutMs,
    requestTimeout: s.requestTimeoutMs,
    connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(s.headersTimeoutMs / 4))),
  };
  let server;
  if (s.tlsCert) {
    options.cert = fs.readFileSync(s.tlsCert);
    options.key = fs.readFileSync(s.tlsKey);
    server = https.createServer(options, app);
  } else {
    server = http.createServer(options, app);
  }
  server.listen(s.port, s.host);
  // Once the server is closing (the primary's disconnect(), or SIGTERM),
  // close each kept-alive connection after its response instead of keeping
  // it open for keepAliveTimeout.
  server.on('request', (req, res) => res.on('finish', () => {
    if (!server.listening) setImmediate(() => server.closeIdleConnections());
  }));
  // Leave once the server has closed and its last connection has ended,
  // however the close began: the primary's disconnect(), or SIGTERM, which
  // reaches the workers too when nodedive signals the whole group. (The
  // Redis client would otherwise keep the process alive.)
  server.once('close', () => process.exit(0));
  process.on('SIGTERM', () => server.close());
}

async function makeStore(s) {
  switch (s.store) {
    case 'memory':
      return undefined; // express-rate-limit's MemoryStore: one per worker
    case 'primary': {
      const { ClusterMemoryStoreWorker } = require('@express-rate-limit/cluster-memory-store');
      return new ClusterMemoryStoreWorker();
    }
    case 'redis': {
      if (!s.redisURL) throw new Error('LAB_STORE=redis needs REDIS_URL');
      const { createClient } = require('redis');
      const { RedisStore } = require('rate-limit-redis');
      const client = createClient({ url: s.redisURL });
      client.on('error', (err) => console.error(`redis: ${err.message}`));
      await client.connect();
      // Same key prefix as the Go app, so both count in one place.
      return new RedisStore({ sendCommand: (...args) => client.sendCommand(args), prefix: 'nodedive:rl:' });
    }
  }
  throw new Error(`unknown store ${s.store}`);
}

function seedUsers() {
  return {
    bcrypt: require('bcryptjs'),
    decoy: DECOY_HASH,
    byEmail: new Map([[DEMO_EMAIL, { email: DEMO_EMAIL, name: DEMO_NAME, hash: DEMO_PASSWORD_HASH }]]),
  };
}

function buildApp(s, store, users) {
  const express = require('express');
  const helmet = require('helmet');
  const cors = require('cors');
  const { rateLimit } = require('express-rate-limit');
  const jwt = require('jsonwebtoken');

  const app = express();
  // The lab's clients talk to the app through loopback; trust their
  // X-Forwarded-For as a reverse proxy's, so each probe can count as its own
  // client. A public server would trust only its real proxies.
  app.set('trust proxy', 'loopback');
  // ETag is not part of the contract; off so both apps send the same headers.
  app.set('etag', false);

  app.use(helmet());
  // An array (an allow-list), not a string: a string origin is sent to every
  // caller whatever its Origin, while a list leaves others without the header.
  app.use(cors({ origin: s.origins }));
  // A 429 carries Retry-After: the seconds left in this client's own window
  // (each client's window starts with its first request), not windowMs. It is
  // sent because standardHeaders is on; with both header options off it is not.
  app.use(rateLimit({
    windowMs: s.windowMs,
    limit: s.limit,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    store,
    message: { error: 'Too many requests, please try again later.' },
  }));
  app.use(express.json({ limit: '10kb' }));

  app.get('/', (req, res) => {
    res.json({ runtime: 'node', pid: process.pid, message: 'hello from a cluster worker' });
  });

  app.post('/login', async (req, res) => {
    const { email, password } = req.body ?? {};
    if (email === undefined || password === undefined || email === '' || password === '') {
      return res.status(400).json({ error: 'Email and password required' });
    }
    if (typeof email !== 'string' || typeof password !== 'string' ||
        !validEmail(email) || Buffer.byteLength(password) > 72) {
      return res.status(400).json({ error: 'Email must be an address and password a string of at most 72 bytes' });
    }
    const user = users.byEmail.get(email.toLowerCase());
    const ok = await users.bcrypt.compare(password, user ? user.hash : users.decoy);
    if (!user || !ok) {
      return res.status(401).json({ error: 'Invalid email or password' });
    }
    let ttl = s.tokenTTL;
    if (s.ttlHook && req.query.ttl !== undefined) {
      // Lab-only hook so the expiry probe need not wait 15 minutes; never
      // longer than the configured lifetime.
      const asked = Number(req.query.ttl);
      if (Number.isInteger(asked) && asked >= 1) ttl = Math.min(asked, s.tokenTTL);
    }
    const token = jwt.sign({ sub: user.email, name: user.name }, s.secret, {
      algorithm: 'HS256',
      expiresIn: ttl,
    });
    res.json({ token, tokenType: 'Bearer', expiresIn: ttl });
  });

  app.get('/me', (req, res) => {
    const match = /^Bearer (\S+)$/i.exec(req.get('authorization') || '');
    if (!match) return res.status(401).json({ error: 'Missing bearer token' });
    let claims;
    try {
      // The algorithm is pinned: a token claiming "none" or another
      // algorithm is rejected whatever its signature says.
      claims = jwt.verify(match[1], s.secret, { algorithms: ['HS256'] });
    } catch {
      return res.status(401).json({ error: 'Invalid or expired token' });
    }
    const user = users.byEmail.get(claims.sub);
    if (!user) return res.status(401).json({ error: 'Invalid or expired token' });
    res.json({ email: user.email, name: user.name });
  });

  app.get('/boom', () => {
    throw new Error('the /boom handler failed on purpose');
  });

  app.use((req, res) => {
    res.status(404).json({ error: 'Not found' });
  });

  // The global error handler: the stack goes to the log, never to the client.
  // eslint-disable-next-line no-unused-vars
  app.use((err, req, res, next) => {
    if (err.type === 'entity.too.large') {
      return res.status(413).json({ error: 'Request body too large' });
    }
    if (err.type === 'entity.parse.failed') {
      return res.status(400).json({ error: 'Malformed JSON body' });
    }
    const status = err.status || err.statusCode;
    if (status >= 400 && status < 500) {
      return res.status(status).json({ error: http.STATUS_CODES[status] || 'Bad request' });
    }
    console.error(err.stack);
    res.status(500).json({ error: 'Internal server error' });
  });
  return app;
}

function validEmail(email) {
  return email.length <= 254 && /^[^\s@]+@[^\s@]+$/.test(email);
}

main();
