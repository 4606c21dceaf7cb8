'use strict';
// Waits one second before every replacement: no tight loop, but no back-off
// either (and every healthy worker that dies is replaced a second late).
const cluster = require('node:cluster');
const os = require('node:os');

const WORKERS = Number(process.env.WORKERS) || os.availableParallelism();

if (cluster.isPrimary) {
  for (let i = 0; i < WORKERS; i++) cluster.fork();
  cluster.on('exit', (worker, code, signal) => {
    if (worker.exitedAfterDisconnect) return;
    console.error(`worker ${worker.process.pid} died (${signal || code}); replacing it in 1 s`);
    setTimeout(() => cluster.fork(), 1000);
  });
} else {
  require('./app.js');
}
