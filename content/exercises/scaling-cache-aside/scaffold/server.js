'use strict';
// A product API over a slow database (db.js): GET /products/:id reads a
// product, PUT /products/:id with a JSON body ({"price": 1299}) changes it.
// Every read goes to the database. Your task: cache-aside in Redis, so that
// repeated reads, on any instance, skip the database, and a change is never
// hidden behind a stale copy.
//
//   npm ci    (once, for the redis package)
//   PORT=3001 REDIS_URL=redis://127.0.0.1:6379 DB_LOG=queries.log node server.js
//   curl localhost:3001/products/1
//   curl -X PUT -d '{"price": 1299}' localhost:3001/products/1
const http = require('node:http');
const db = require('./db.js');

const CACHE_TTL = 60; // seconds a cached product may be served

// ---- Reading and changing products: change these two functions. ---------

async function getProduct(id) {
  return db.getProduct(id);
}

async function updateProduct(id, changes) {
  return db.updateProduct(id, changes);
}

// ---- The app: nothing to change below, but main() connects to Redis. -----

async function handle(req, res) {
  const match = /^\/products\/([\w-]+)$/.exec(new URL(req.url, 'http://localhost').pathname);
  res.setHeader('X-Instance', String(process.env.PORT));
  if (!match) return send(res, 404, { error: 'not found' });
  const id = match[1];
  if (req.method === 'GET') {
    const product = await getProduct(id);
    return product ? send(res, 200, product) : send(res, 404, { error: `no product ${id}` });
  }
  if (req.method === 'PUT') {
    const body = await readJSON(req);
    if (!Number.isSafeInteger(body?.price) || body.price < 0) {
      return send(res, 400, { error: 'send {"price": cents}' });
    }
    const product = await updateProduct(id, { price: body.price });
    return product ? send(res, 200, product) : send(res, 404, { error: `no product ${id}` });
  }
  send(res, 405, { error: 'GET or PUT' });
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
