'use strict';
// The primary of the cluster: it starts the workers, which run app.js, and
// keeps them running. Start it with `node server.js` (PORT and HOST come from
// the environment, as in app.js).
const cluster = require('node:cluster');
const os = require('node:os');

if (cluster.isPrimary) {
  // TODO: start one worker per core (os.availableParallelism()), or WORKERS
  // workers when that is set. Replace every worker that dies, and when one
  // keeps crashing right after it starts, wait longer before each new try.
  cluster.fork();
  console.log(`primary ${process.pid}: ${os.availableParallelism()} cores`);
} else {
  require('./app.js');
}
