'use strict';
// A small app with logins: POST /login, GET /me, POST /logout. Its sessions
// live in Redis, so every instance behind the load balancer knows every
// session, and a session ends by itself SESSION_TTL seconds after the login.
//
//   npm ci    (once, for the redis package)
//   PORT=3001 REDIS_URL=redis://127.0.0.1:6379 node server.js
//   curl -i -c jar -d '{"user":"ada"}' localhost:3001/login
//   curl -b jar localhost:3001/me
const crypto = require('node:crypto');
const http = require('node:http');
const { createClient } = require('redis');

const SESSION_TTL = 30 * 60; // seconds: a session ends 30 minutes after the login

// ---- The session store. ---------------------------------------------------

const redis = createClient({ url: process.env.REDIS_URL });
redis.on('error', (err) => console.error('redis:', err.message));

// One key per session, holding it as JSON, which Redis deletes by itself
// when the session's time is up.
const key = (id) => `session:${id}`;

async function saveSession(id, session) {
  await redis.set(key(id), JSON.stringify(session), { EX: SESSION_TTL });
}

async function loadSession(id) {
  const json = await redis.get(key(id));
  return json === null ? null : JSON.parse(json);
}

async function deleteSession(id) {
  await redis.del(key(id));
}

// ---- The app. -------------------------------------------------------------

async function handle(req, res) {
  const { pathname } = new URL(req.url, 'http://localhost');
  res.setHeader('X-Instance', String(process.env.PORT));
  if (req.method === 'POST' && pathname === '/login') {
    const body = await readJSON(req);
    if (typeof body?.user !== 'string' || body.user === '') return send(res, 400, { error: 'send {"user": "name"}' });
    const id = crypto.randomBytes(18).toString('base64url');
    await saveSession(id, { user: body.user, createdAt: Date.now() });
    res.setHeader('Set-Cookie', `sid=${id}; HttpOnly; SameSite=Lax; Path=/; Max-Age=${SESSION_TTL}`);
    return send(res, 200, { user: body.user });
  }
  if (req.method === 'GET' && pathname === '/me') {
    const id = sessionID(req);
    const session = id && (await loadSession(id));
    if (!session) return send(res, 401, { error: 'not logged in' });
    return send(res, 200, { user: session.user, instance: process.env.PORT });
  }
  if (req.method === 'POST' && pathname === '/logout') {
    const id = sessionID(req);
    if (id) await deleteSession(id);
    res.setHeader('Set-Cookie', 'sid=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0');
    res.statusCode = 204;
    return res.end();
  }
  send(res, 404, { error: 'not found' });
}

// sessionID reads the sid cookie.
function sessionID(req) {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, value] = part.trim().split('=');
    if (name === 'sid' && value) return value;
  }
  return null;
}

function readJSON(req) {
  return new Promise((resolve) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => (data += chunk));
    req.on('end', () => {
      try {
        resolve(JSON.parse(data));
      } catch {
        resolve(null);
      }
    });
  });
}

function send(res, status, body) {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body) + '\n');
}

async function main() {
  await redis.connect(); // before the server takes its first request
  const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => {
      console.error(err);
      if (res.headersSent) res.destroy();
      else send(res, 500, { error: 'internal error' });
    });
  });
  server.listen(Number(process.env.PORT) || 3000, process.env.HOST || '127.0.0.1');
}

main();
