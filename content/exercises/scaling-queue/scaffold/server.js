'use strict';
// POST /reports with {"customer": "acme"} builds a report, and
// GET /reports/:id shows it again. Building one takes a second of CPU, and
// this process does it inside the request: the client waits, and every other
// request waits too. Your task: answer at once (202, with the job's id),
// queue the job in Redis, and let worker.js processes build the reports;
// GET /reports/:id says "queued" until a worker is done, then "done" with the
// report.
//
//   npm ci    (once, for the redis package)
//   PORT=3001 REDIS_URL=redis://127.0.0.1:6379 node server.js
//   REDIS_URL=redis://127.0.0.1:6379 node worker.js     (one or more)
//   curl -d '{"customer": "acme"}' localhost:3001/reports
//   curl localhost:3001/reports/<id>
const crypto = require('node:crypto');
const http = require('node:http');
const { buildReport } = require('./report.js');

// ---- Jobs and results: change these two functions (and worker.js). ------

const reports = new Map(); // id -> { status, report }

// submit takes a job ({ id, customer }) and returns its status.
async function submit(job) {
  reports.set(job.id, { status: 'done', report: buildReport(job) });
  return 'done';
}

// lookup returns { status, report } for a job, or null when there is none.
async function lookup(id) {
  return reports.get(id) ?? null;
}

// ---- The app: nothing to change below, but main() connects to Redis. -----

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
