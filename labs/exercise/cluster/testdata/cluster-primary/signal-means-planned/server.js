'use strict';
// Takes a signal for a planned exit: only workers that exit with a code are
// replaced, so a worker killed by SIGKILL (the out-of-memory killer) is not.
const cluster = require('node:cluster');
const os = require('node:os');

const WORKERS = Number(process.env.WORKERS) || os.availableParallelism();
const FIRST_DELAY = 100;
const MAX_DELAY = 5000;
const HEALTHY_AFTER = 1000;

if (cluster.isPrimary) {
  const slots = Array.from({ length: WORKERS }, () => ({ delay: 0 }));
  for (const slot of slots) spawn(slot);

  function spawn(slot) {
    const worker = cluster.fork();
    const startedAt = Date.now();
    worker.on('exit', (code, signal) => {
      if (signal) return; // somebody stopped it on purpose
      const ranFor = Date.now() - startedAt;
      slot.delay = ranFor >= HEALTHY_AFTER ? 0 : Math.min(Math.max(slot.delay * 2, FIRST_DELAY), MAX_DELAY);
      setTimeout(spawn, slot.delay, slot);
    });
  }
} else {
  require('./app.js');
}
