'use strict';
// The primary of the cluster: it starts the workers, which run app.js, keeps
// them running, and replaces them all on SIGUSR2 without dropping a request.
// Start it with `node server.js`, deploy with `kill -USR2 <primary pid>`.
const cluster = require('node:cluster');
const os = require('node:os');

const WORKERS = Number(process.env.WORKERS) || os.availableParallelism();
const KILL_TIMEOUT = Number(process.env.KILL_TIMEOUT_MS) || 5000; // how long an old worker may take to leave
const FIRST_DELAY = 100; // ms before a crashed worker's first retry
const MAX_DELAY = 5000; // the retries never wait longer than this
const HEALTHY_AFTER = 1000; // a worker that ran this long did not crash at start-up

if (cluster.isPrimary) {
  // One slot per worker: it remembers how long to wait before the next
  // replacement, so a worker that keeps crashing backs off on its own.
  const slots = Array.from({ length: WORKERS }, () => ({ worker: null, delay: 0, timer: null }));
  let restarting = false; // a rolling restart is under way
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
      // Unless a rolling restart gave the slot a new worker meanwhile.
      slot.timer = setTimeout(() => slot.worker === worker && spawn(slot), slot.delay);
    });
  }

  // retire asks a worker to leave: disconnect() closes its server, so it
  // takes no new connection, finishes the requests it has, and exits. One
  // that is still there after KILL_TIMEOUT is killed.
  function retire(worker) {
    return new Promise((resolve) => {
      if (worker.isDead()) return resolve();
      const timer = setTimeout(() => {
        console.error(`worker ${worker.process.pid} did not leave within ${KILL_TIMEOUT} ms: killing it`);
        worker.process.kill('SIGKILL');
      }, KILL_TIMEOUT);
      worker.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      worker.disconnect();
    });
  }

  // replace starts the slot's new worker, and retires the old one once the
  // new one listens. A new worker that dies before it listens (a bad deploy)
  // leaves the old one serving.
  function replace(slot) {
    return new Promise((resolve) => {
      const old = slot.worker;
      const fresh = cluster.fork();
      const failed = () => resolve(false);
      fresh.once('exit', failed);
      fresh.once('listening', () => {
        fresh.off('exit', failed);
        watch(slot, fresh); // from now on its crashes are the slot's
        retire(old).then(() => resolve(true));
      });
    });
  }

  process.on('SIGUSR2', async () => {
    if (restarting) return; // one restart at a time
    restarting = true;
    console.log(`primary ${process.pid}: SIGUSR2, restarting ${slots.length} workers one at a time`);
    for (const slot of slots) {
      if (!(await replace(slot))) {
        console.error('a new worker died before it listened: restart stopped, the old workers keep serving');
        break;
      }
    }
    restarting = false;
  });
} else {
  require('./app.js');
}
