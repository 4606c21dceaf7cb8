'use strict';
// A worker: it takes report jobs from the queue in Redis, builds each with
// buildReport, and stores the result where GET /reports/:id finds it. Run as
// many as you like next to the server:
//
//   REDIS_URL=redis://127.0.0.1:6379 node worker.js
const { buildReport } = require('./report.js');

// TODO: connect to Redis, then take jobs one at a time, for as long as the
// process runs.
console.log(`worker ${process.pid}: no queue yet, nothing to do (buildReport is ${typeof buildReport})`);
