'use strict';
// The scaling lab's instance app in Node (lesson q13). nodedive runs it under
// the cluster lab's server.js (node:cluster): every worker of every instance
// loads this module and serves what it returns. It answers the same routes
// as the Go app (labs/scale/app), so the lab drives either runtime alike:
//
//   GET  /                       who answered: instance, worker id, pid
//   POST /login?user=U&store=S   start a session (S = memory or redis), cookie sid
//   GET  /me?store=S             the session's user, or 401 where it is unknown
//   GET  /product/:id?cache=C    a slow read (C = none, local or redis: cache-aside)
//   PUT  /product/:id?price=P    write the product, then invalidate its cache entries
//   POST /report?mode=M          heavy work: inline (blocks this event loop) or queue
//                                (a job on a Redis stream, done by background workers)
//
// Memory sessions and the local cache are plain Maps: they live in one
// process, which is exactly what breaks behind a load balancer.
//
// It returns an http.Server rather than a bare handler, to set the server's
// keep-alive timeout for life behind nginx (see the end of the file).

const crypto = require('node:crypto');
const http = require('node:http');
const { createClient } = require('redis');

const KEY_SESSION = 'scale:session:';
const KEY_DB = 'scale:db:product:';
const KEY_CACHE = 'scale:cache:product:';
const STREAM_JOBS = 'scale:jobs';
const SESSION_TTL_S = 600;
const REDIS_TIMEOUT_MS = 500;

module.exports = function scaleApp(config, cluster) {
  const instance = config.instance || 0;
  const slowMs = config.slow_ms || 40;
  const ttlMs = config.cache_ttl_ms || 5000;
  const jobMs = config.job_ms || 20;
  if (!config.redis_url) throw new Error('scale app: redis_url is not set');

  // Fail fast while Redis is away: no offline queue, short connect timeout,
  // and a deadline on every command. The lab shows 503s, never a hang.
  const redis = createClient({
    url: config.redis_url,
    disableOfflineQueue: true,
    socket: { connectTimeout: 300, reconnectStrategy: (retries) => Math.min(100 * (retries + 1), 1000) },
  });
  redis.on('error', () => {}); // reported per request as 503
  const connecting = redis.connect().catch(() => {});

  const memorySessions = new Map(); // sid -> user, this process only
  const localCache = new Map(); // product id -> { value, expiresAt }, this process only

  const withTimeout = (promise) => {
    let timer;
    const deadline = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${REDIS_TIMEOUT_MS} ms`)), REDIS_TIMEOUT_MS);
    });
    return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
  };
  const r = async (fn) => {
    await connecting;
    if (!redis.isReady) throw new Error('not connected');
    return withTimeout(fn());
  };

  const send = (res, status, body, headers = {}) => {
    const payload = JSON.stringify({ ...body, instance, worker: cluster.id, pid: process.pid }) + '\n';
    res.writeHead(status, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(payload),
      'X-Instance': String(instance),
      'X-Worker-Id': String(cluster.id),
      ...headers,
    });
    res.end(payload);
  };
  const unavailable = (res, err) => send(res, 503, { error: `redis unavailable: ${err.message}` });

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  // The slow source of truth: a Redis read plus slowMs of pretend query time.
  async function loadProduct(id) {
    await sleep(slowMs);
    const price = await r(() => redis.get(KEY_DB + id));
    return { id, price: price === null ? 10 * id : Number(price) };
  }

  function cookie(req, name) {
    for (const part of (req.headers.cookie || '').split(';')) {
      const [k, ...v] = part.trim().split('=');
      if (k === name) return v.join('=');
    }
    return '';
  }

  function storeOf(url) {
    const store = url.searchParams.get('store');
    if (store === 'memory' || store === 'redis') return store;
    return null;
  }

  const routes = {
    'GET /': async (req, res) => send(res, 200, { runtime: 'node' }),

    'POST /login': async (req, res, url) => {
      const store = storeOf(url);
      if (!store) return send(res, 400, { error: 'store must be memory or redis' });
      const user = url.searchParams.get('user') || 'learner';
      const sid = crypto.randomBytes(16).toString('hex');
      if (store === 'memory') memorySessions.set(sid, user);
      else await r(() => redis.set(KEY_SESSION + sid, user, { EX: SESSION_TTL_S }));
      send(res, 200, { user, store }, { 'Set-Cookie': `sid=${sid}; Path=/; HttpOnly; SameSite=Lax` });
    },

    'GET /me': async (req, res, url) => {
      const store = storeOf(url);
      if (!store) return send(res, 400, { error: 'store must be memory or redis' });
      const sid = cookie(req, 'sid');
      if (!sid) return send(res, 401, { error: 'no session cookie: POST /login first' });
      const user = store === 'memory' ? memorySessions.get(sid) : await r(() => redis.get(KEY_SESSION + sid));
      if (!user) {
        return send(res, 401, {
          error: `unknown session here (instance ${instance}, pid ${process.pid}): this ${store} store never saw it`,
        });
      }
      send(res, 200, { user, store });
    },

    'GET /product': async (req, res, url, id) => {
      const mode = url.searchParams.get('cache') || 'none';
      const answer = (p, source, cache) =>
        send(res, 200, { id: p.id, price: p.price, source, cache: mode }, { 'X-Cache': cache });
      if (mode === 'none') return answer(await loadProduct(id), 'db', 'BYPASS');
      if (mode === 'local') {
        const hit = localCache.get(id);
        if (hit && hit.expiresAt > Date.now()) return answer(hit.value, 'local', 'HIT');
        const value = await loadProduct(id);
        localCache.set(id, { value, expiresAt: Date.now() + ttlMs });
        return answer(value, 'db', 'MISS');
      }
      if (mode === 'redis') {
        const cached = await r(() => redis.get(KEY_CACHE + id));
        if (cached !== null) return answer(JSON.parse(cached), 'redis', 'HIT');
        const value = await loadProduct(id);
        await r(() => redis.set(KEY_CACHE + id, JSON.stringify(value), { PX: ttlMs }));
        return answer(value, 'db', 'MISS');
      }
      send(res, 400, { error: `unknown cache mode "${mode}": use none, local or redis` });
    },

    // Write, then invalidate: Redis for everyone, the local Map only here.
    'PUT /product': async (req, res, url, id) => {
      const price = Number(url.searchParams.get('price'));
      if (!Number.isInteger(price) || price < 0) return send(res, 400, { error: 'price must be a whole number, 0 or more' });
      await r(() => redis.set(KEY_DB + id, String(price)));
      await r(() => redis.del(KEY_CACHE + id));
      localCache.delete(id);
      send(res, 200, { id, price, invalidated: ['redis', `local cache of pid ${process.pid} only`] });
    },

    'POST /report': async (req, res, url) => {
      const mode = url.searchParams.get('mode') || 'inline';
      if (mode === 'inline') {
        // Synchronous work: nothing else in this process runs meanwhile.
        const start = Date.now();
        let spins = 0;
        while (Date.now() < start + jobMs) spins++;
        return send(res, 200, { mode, spins, ms: Date.now() - start });
      }
      if (mode === 'queue') {
        const job = await r(() =>
          redis.xAdd(STREAM_JOBS, '*', {
            kind: 'report', instance: String(instance), job_ms: String(jobMs), at: String(Date.now()),
          }));
        return send(res, 202, { mode, job });
      }
      send(res, 400, { error: `unknown mode "${mode}": use inline or queue` });
    },
  };

  const handle = (req, res) => {
    const url = new URL(req.url, 'http://localhost');
    let key = `${req.method} ${url.pathname}`;
    let id;
    const m = /^\/product\/([^/]+)$/.exec(url.pathname);
    if (m) {
      key = `${req.method} /product`;
      id = Number(m[1]);
      if (!Number.isInteger(id) || id < 1 || id > 1000000) {
        send(res, 400, { error: 'product id must be a number from 1 to 1000000' });
        return;
      }
    }
    const route = routes[key];
    if (!route) {
      send(res, 404, { error: 'not found' });
      return;
    }
    route(req, res, url, id).catch((err) => {
      if (!res.headersSent) unavailable(res, err);
    });
  };

  // nginx keeps idle connections to its upstreams for 60 s (keepalive_timeout's
  // default) and Node closes an idle connection after 5 s (keepAliveTimeout's
  // default). Then nginx can send a request on a connection Node is closing at
  // that moment and answer 502. Node must be the one that waits longer.
  const server = http.createServer(handle);
  server.keepAliveTimeout = 65_000;
  return server;
};
