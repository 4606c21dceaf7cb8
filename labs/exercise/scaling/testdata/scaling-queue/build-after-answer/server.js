'use strict';
// Wrong on purpose: the server answers 202 and then builds the report itself,
// right after: its event loop is still blocked for every other request.
// POST /reports with {"customer": "acme"} queues a report job in Redis and
// answers at once (202, with the job's id); worker.js processes take the jobs
// and build the reports, which take a second of CPU each. GET /reports/:id
// says "queued" (or "working") until a worker is done, then "done" with the
// report.
//
//   npm ci    (once, for the redis package)
//   PORT=3001 REDIS_URL=redis://127.0.0.1:6379 node server.js
//   REDIS_URL=redis://127.0.0.1:6379 node worker.js     (one or more)
//   curl -d '{"customer": "acme"}' localhost:3001/reports
//   curl localhost:3001/reports/<id>
const crypto = require('node:crypto');
const http = require('node:http');
const { createClient } = require('redis');
const { buildReport } = require('./report.js');

// ---- Jobs and results. ----------------------------------------------------

const redis = createClient({ url: process.env.REDIS_URL });
redis.on('error', (err) => console.error('redis:', err.message));

const QUEUE = 'reports:queue'; // a list: LPUSH here, BRPOP in the workers
const resultKey = (id) => `report:${id}`; // a hash: status, and the report when done
const RESULT_TTL = 24 * 60 * 60; // seconds a result is kept

// submit records the job as queued and queues it, in one transaction: a
// worker may take the job the moment it is in the list, and must find its
// status there.
async function submit(job) {
  await redis.hSet(resultKey(job.id), 'status', 'queued');
  // Answer first, build right after: the client does not wait any more.
  setImmediate(async () => {
    const report = buildReport(job);
    await redis.hSet(resultKey(job.id), { status: 'done', report: JSON.stringify(report) });
  });
  return 'queued';
}

// lookup reads the job's status, and its report once a worker stored it.
async function lookup(id) {
  const result = await redis.hGetAll(resultKey(id));
  if (!result.status) return null;
  return result.report ? { status: result.status, report: JSON.parse(result.report) } : { status: result.status };
}

// ---- The app. -------------------------------------------------------------

async function handle(req, res) {
  const { pathname } = new URL(req.url, 'http://localhost');
  res.setHeader('X-Instance', String(process.env.PORT));
  if (req.method === 'POST' && pathname === '/reports') {
    const body = await readJSON(req);
    if (typeof body?.customer !== 'string' || body.customer === '') {
      return send(res, 400, { error: 'send {"customer": "name"}' });
    }
    const id = crypto.randomUUID();
    const status = await submit({ id, customer: body.customer });
    const result = await lookup(id);
    return send(res, status === 'done' ? 200 : 202, { id, ...result, status });
  }
  const match = /^\/reports\/([\w-]+)$/.exec(pathname);
  if (req.method === 'GET' && match) {
    const result = await lookup(match[1]);
    return result ? send(res, 200, { id: match[1], ...result }) : send(res, 404, { error: 'no such report' });
  }
  send(res, 404, { error: 'not found' });
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
