'use strict';
// The primary of the cluster: it starts the workers, which run app.js, and
// keeps them running. Start it with `node server.js` (PORT and HOST come from
// the environment, as in app.js).
const cluster = require('node:cluster');
const os = require('node:os');

const WORKERS = Number(process.env.WORKERS) || os.availableParallelism();
const FIRST_DELAY = 100; // ms before a crashed worker's first retry
const MAX_DELAY = 5000; // the retries never wait longer than this
const HEALTHY_AFTER = 1000; // a worker that ran this long did not crash at start-up

if (cluster.isPrimary) {
  // One slot per worker: it remembers how long to wait before the next
  // replacement, so a worker that keeps crashing backs off on its own.
  const slots = Array.from({ length: WORKERS }, () => ({ worker: null, delay: 0, timer: null }));
  for (const slot of slots) spawn(slot);
  console.log(`primary ${process.pid}: ${WORKERS} workers`);

  function spawn(slot) {
    slot.timer = null;
    watch(slot, cluster.fork());
  }

  // watch makes worker the slot's worker and replaces it if it dies.
  function watch(slot, worker) {
    const startedAt = Date.now();
    slot.worker = worker;
    worker.on('exit', (code, signal) => {
      // A worker we asked to leave (disconnect, kill) is not a crash.
      if (slot.worker !== worker || worker.exitedAfterDisconnect) return;
      const ranFor = Date.now() - startedAt;
      // After a healthy run, replace it at once; after a crash at start-up,
      // wait twice as long as the last time (100 ms, 200 ms, ... 5 s).
      slot.delay = ranFor >= HEALTHY_AFTER ? 0 : Math.min(Math.max(slot.delay * 2, FIRST_DELAY), MAX_DELAY);
      console.error(`worker ${worker.process.pid} died (${signal || `code ${code}`}) after ${ranFor} ms; replacing it in ${slot.delay} ms`);
      slot.timer = setTimeout(spawn, slot.delay, slot);
    });
  }
} else {
  require('./app.js');
}
