// Preloaded (node --require) into the learner's primary by the back-off
// check. It notes on the primary's own clock when each worker is forked and
// when it exits, so the check can time the primary's wait between a death
// and the next fork without node's start-up time, or the machine's load, in
// the measure. It changes nothing the primary does.
'use strict';
const cluster = require('node:cluster');
const fs = require('node:fs');

const file = process.env.NODEDIVE_SPY;
if (cluster.isPrimary && file) {
  const note = (event, pid) => {
    fs.appendFileSync(file, JSON.stringify({ event, pid, at: performance.now() }) + '\n');
  };
  const fork = cluster.fork;
  cluster.fork = function spiedFork(...args) {
    const worker = fork.apply(this, args);
    note('fork', worker.process.pid);
    // First in line: the primary's own 'exit' listeners, which may fork
    // the replacement, run after it.
    worker.process.prependOnceListener('exit', () => note('exit', worker.process.pid));
    return worker;
  };
}
