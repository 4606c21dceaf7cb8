// Drives the learner's nextPrice against a feed. Usage: node load.cjs SCENARIO
'use strict';
const { EventEmitter } = require('node:events');
const { report, same, show, describeError } = require('./check.cjs');

// Warnings are recorded, not printed: the check reports them.
const warnings = [];
process.removeAllListeners('warning');
process.on('warning', (w) => warnings.push(w.name));

const tick = () => new Promise((resolve) => setImmediate(resolve));
const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

function load() {
  return require('./app/price-feed.js').nextPrice;
}

// ask makes one request and answers it with a price on the next tick,
// after a price for another symbol.
async function ask(nextPrice, feed, symbol, price) {
  const pending = nextPrice(feed, symbol, { timeoutMs: 60_000 });
  await tick();
  feed.emit('price', { symbol: 'OTHER', price: -1 });
  feed.emit('price', { symbol, price });
  return pending;
}

const scenarios = {
  // Load does not catch: a module that cannot load shows node's own error.
  load() {
    const nextPrice = load();
    report(typeof nextPrice === 'function', 'price-feed.js exports nextPrice', `it exports nextPrice = ${show(nextPrice)}`);
  },

  async price() {
    const nextPrice = load();
    const feed = new EventEmitter();
    try {
      same("the next 'ACME' price, after an 'OTHER' one", 42, await ask(nextPrice, feed, 'ACME', 42));
    } catch (err) {
      report(false, 'nextPrice resolves with 42', `it rejected: ${describeError(err)}`);
    }
  },

  async settled() {
    const nextPrice = load();
    const feed = new EventEmitter();
    feed.setMaxListeners(0); // this check counts; the warning has its own
    let answered = 0;
    for (let i = 0; i < 300; i++) {
      if ((await ask(nextPrice, feed, 'ACME', i)) === i) answered++;
    }
    same("300 requests answered one after another: answered, 'price' listeners left on the feed",
      { answered: 300, listeners: 0 }, { answered, listeners: feed.listenerCount('price') });
  },

  async timedOut() {
    const nextPrice = load();
    const feed = new EventEmitter();
    const outcomes = await Promise.allSettled([1, 2, 3].map(() => nextPrice(feed, 'NOPE', { timeoutMs: 30 })));
    const rejectedNaming = outcomes.filter((o) => o.status === 'rejected' && o.reason instanceof Error && o.reason.message.includes('NOPE')).length;
    same("3 requests for a symbol that never comes (timeoutMs 30): rejected with an Error naming 'NOPE', 'price' listeners left",
      { rejectedNaming: 3, listeners: 0 }, { rejectedNaming, listeners: feed.listenerCount('price') });
  },

  async timers() {
    const nextPrice = load();
    const feed = new EventEmitter();
    const before = timers();
    for (let i = 0; i < 20; i++) await ask(nextPrice, feed, 'ACME', i);
    await tick();
    same('timers still active after 20 answered requests (timeoutMs 60000)', 0, timers() - before);
  },

  async concurrent() {
    const nextPrice = load();
    const feed = new EventEmitter();
    let most = 0;
    for (let batch = 0; batch < 20; batch++) {
      const pending = ['A', 'B', 'C', 'D', 'E'].map((s) => nextPrice(feed, s, { timeoutMs: 60_000 }));
      await tick();
      most = Math.max(most, feed.listenerCount('price'));
      for (const s of ['E', 'D', 'C', 'B', 'A']) feed.emit('price', { symbol: s, price: batch });
      await Promise.all(pending);
    }
    await tick(); // warnings are emitted on a later tick
    same("100 requests in batches of 5: most 'price' listeners at once, warnings",
      { most: 5, warnings: [] }, { most, warnings });
  },
};

// Exit when the scenario is done: a leaked timer would otherwise keep the
// process, and the check, waiting for up to a minute.
Promise.resolve(scenarios[process.argv[2]]())
  .catch((err) => report(false, 'the scenario runs', describeError(err)))
  .finally(() => process.exit(0));
