'use strict';
// One worker per core, always: WORKERS is never read.
const cluster = require('node:cluster');
const os = require('node:os');

const FIRST_DELAY = 100;
const MAX_DELAY = 5000;
const HEALTHY_AFTER = 1000;

if (cluster.isPrimary) {
  const slots = Array.from({ length: os.availableParallelism() }, () => ({ delay: 0 }));
  for (const slot of slots) spawn(slot);

  function spawn(slot) {
    const worker = cluster.fork();
    const startedAt = Date.now();
    worker.on('exit', () => {
      if (worker.exitedAfterDisconnect) return;
      const ranFor = Date.now() - startedAt;
      slot.delay = ranFor >= HEALTHY_AFTER ? 0 : Math.min(Math.max(slot.delay * 2, FIRST_DELAY), MAX_DELAY);
      setTimeout(spawn, slot.delay, slot);
    });
  }
} else {
  require('./app.js');
}
