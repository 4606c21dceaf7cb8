// Runs a scenario with node's own events.once, then with the learner's once,
// and compares what happened. Usage: node compare.cjs SCENARIO
'use strict';
const events = require('node:events');
const { report, same, show, describeError } = require('./check.cjs');

const { EventEmitter } = events;
const tick = () => new Promise((resolve) => setImmediate(resolve));

// The values a scenario sends, so observations can name them.
const sent = new Error('boom');
const reason = new Error('stop');
function name(value) {
  if (value === sent) return '(the emitted error)';
  if (value === reason) return '(the abort reason)';
  return value;
}

// watch follows a promise's state without ever leaving a rejection unhandled.
function watch(promise) {
  const s = { state: 'pending' };
  if (!promise || typeof promise.then !== 'function') return { state: `not a promise but ${show(promise)}` };
  promise.then((value) => Object.assign(s, { state: 'resolved', value }), (err) => Object.assign(s, { state: 'rejected', err }));
  return s;
}

function call(once, ...args) {
  try {
    return watch(once(...args));
  } catch (err) {
    return { state: 'threw synchronously', err };
  }
}

// settled renders a watched promise as plain data to compare.
function settled(s, signal) {
  const out = { state: s.state };
  if ('value' in s) out.value = Array.isArray(s.value) ? s.value.map(name) : show(s.value);
  if ('err' in s) {
    const e = s.err;
    out.error = e instanceof Error
      ? { name: e.name, is: name(e) === e ? 'a new error' : name(e) }
      : `not an Error: ${show(e)}`;
    if (e instanceof Error && e.code !== undefined) out.error.code = e.code;
    if (signal && e instanceof Error) out.error.causeIsTheReason = e.cause === signal.reason;
  }
  return out;
}

const counts = (e, ...names) => Object.fromEntries(names.map((n) => [n, e.listenerCount(n)]));

const scenarios = {
  async args(once) {
    const e = new EventEmitter();
    const s = call(once, e, 'ready');
    await tick();
    const before = s.state;
    e.emit('ready', 1, 'two', { three: 3 });
    await tick();
    return { before, ...settled(s) };
  },

  async first(once) {
    const e = new EventEmitter();
    const s = call(once, e, 'data');
    e.emit('data', 'first');
    e.emit('data', 'second');
    await tick();
    return settled(s);
  },

  async error(once) {
    const e = new EventEmitter();
    const s = call(once, e, 'data');
    let emitThrew = false;
    try {
      e.emit('error', sent);
    } catch {
      emitThrew = true;
    }
    await tick();
    return { emitThrew, ...settled(s) };
  },

  async waitError(once) {
    const e = new EventEmitter();
    const s = call(once, e, 'error');
    e.emit('error', sent);
    await tick();
    return settled(s);
  },

  async cleanup(once) {
    const resolved = new EventEmitter();
    const s1 = call(once, resolved, 'data');
    resolved.emit('data', 1);
    const rejected = new EventEmitter();
    const s2 = call(once, rejected, 'data');
    try {
      rejected.emit('error', sent);
    } catch {
      // the 'error' check reports this
    }
    await tick();
    return {
      afterAnEvent: { state: s1.state, listeners: counts(resolved, 'data', 'error') },
      afterAnError: { state: s2.state, listeners: counts(rejected, 'data', 'error') },
    };
  },

  async aborted(once) {
    const e = new EventEmitter();
    const ac = new AbortController();
    ac.abort(reason);
    const s = call(once, e, 'data', { signal: ac.signal });
    await tick();
    return { ...settled(s, ac.signal), listeners: counts(e, 'data', 'error') };
  },

  async abortLater(once) {
    const e = new EventEmitter();
    const ac = new AbortController();
    const s = call(once, e, 'data', { signal: ac.signal });
    await tick();
    ac.abort(reason);
    await tick();
    e.emit('data', 'too late');
    await tick();
    return { ...settled(s, ac.signal), listeners: counts(e, 'data', 'error') };
  },

  async signalLeak(once) {
    const e = new EventEmitter();
    const ac = new AbortController();
    const states = [];
    for (let i = 0; i < 20; i++) {
      const s = call(once, e, 'tick', { signal: ac.signal });
      e.emit('tick', i);
      await tick();
      states.push(s.state);
    }
    return {
      resolved: states.filter((s) => s === 'resolved').length,
      abortListenersLeftOnTheSignal: events.getEventListeners(ac.signal, 'abort').length,
    };
  },
};

// Loading is not caught: a once.js that cannot load shows node's own error.
const { once } = require('./app/once.js');

async function main() {
  if (process.argv[2] === 'load') {
    return report(typeof once === 'function', 'once.js exports a once function', `it exports once = ${show(once)}`);
  }
  const scenario = scenarios[process.argv[2]];
  const expected = await scenario(events.once);
  let observed;
  try {
    observed = await scenario(once);
  } catch (err) {
    return report(false, show(expected), `the scenario broke: ${describeError(err)}`);
  }
  same("node's events.once", expected, observed);
}

main().catch((err) => report(false, 'the scenario runs', describeError(err)));
