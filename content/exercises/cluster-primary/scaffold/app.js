'use strict';
// The app every worker runs. Leave it as it is: the task is the primary, in
// server.js. What it serves:
//
//   GET /           {"pid": <the worker's pid>}, at once
//   GET /slow?ms=N  sends its headers at once and the same body N
//                   milliseconds later (a request that takes time)
//   GET /hang       sends its headers and never finishes (a stuck request)
//
// Every response says which worker sent it in the X-Worker-Pid header.
// CRASH_AT_START=1 in the environment makes every worker throw at start-up,
// the way a bad deploy does.
const http = require('node:http');

if (process.env.CRASH_AT_START === '1') {
  throw new Error('cannot start: the configuration is broken (CRASH_AT_START=1)');
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  res.setHeader('X-Worker-Pid', String(process.pid));
  res.setHeader('Content-Type', 'application/json');
  const answer = () => res.end(JSON.stringify({ pid: process.pid }) + '\n');
  switch (url.pathname) {
    case '/':
      return answer();
    case '/slow':
      res.flushHeaders();
      return void setTimeout(answer, Math.min(Number(url.searchParams.get('ms')) || 200, 30_000));
    case '/hang':
      res.writeHead(200);
      return void res.write('{"waiting":true');
    default:
      res.statusCode = 404;
      return res.end('{"error":"not found"}\n');
  }
});

server.listen(Number(process.env.PORT) || 3000, process.env.HOST || '127.0.0.1');
