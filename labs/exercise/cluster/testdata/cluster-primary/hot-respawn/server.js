'use strict';
// Replaces every worker at once, however soon it died: a worker that crashes
// at start-up is forked again and again, in a tight loop.
const cluster = require('node:cluster');
const os = require('node:os');

const WORKERS = Number(process.env.WORKERS) || os.availableParallelism();

if (cluster.isPrimary) {
  for (let i = 0; i < WORKERS; i++) cluster.fork();
  cluster.on('exit', (worker, code, signal) => {
    if (worker.exitedAfterDisconnect) return;
    console.error(`worker ${worker.process.pid} died (${signal || code}); replacing it`);
    cluster.fork();
  });
} else {
  require('./app.js');
}
