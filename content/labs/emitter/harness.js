'use strict';
// Runs one EventEmitter scenario (scenario.json next to this file) on the
// real EventEmitter and prints a trace, one line per event. nodedive runs
// the same scenario through its Go emitter and compares the two traces, so
// every line format here has a twin in labs/emitter/scenario.
//
// Steps run inside a promise continuation (after the first await), the way
// the Go side models it: the microtask queue drains first, then ticks.

const EventEmitter = require('node:events');
const fs = require('node:fs');
const path = require('node:path');

const scenario = JSON.parse(fs.readFileSync(path.join(__dirname, 'scenario.json'), 'utf8'));

let depth = 0;
function trace(line) {
  process.stdout.write('  '.repeat(depth) + line + '\n');
}

const labels = new Map();
function label(fn) {
  if (labels.has(fn)) return labels.get(fn);
  if (typeof fn.listener === 'function') return 'once(' + label(fn.listener) + ')';
  return fn.name || 'anonymous';
}

function fmt(v) {
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  if (typeof v === 'symbol') return String(v);
  if (typeof v === 'function') return label(v);
  if (v instanceof Error) return errString(v);
  if (Array.isArray(v)) return '[' + v.map(fmt).join(', ') + ']';
  if (typeof v === 'object') {
    return '{' + Object.keys(v).sort().map((k) => k + ': ' + fmt(v[k])).join(', ') + '}';
  }
  if (typeof v === 'string') return JSON.stringify(v);
  return String(v);
}

function errString(e) {
  return e.name + (e.code ? ' [' + e.code + ']' : '') + ': ' + e.message;
}

function thrownString(err, args) {
  let s = 'threw ' + fmt(err);
  if (args.length > 0 && err === args[0]) s += ' (the emitted value itself)';
  if (err instanceof Error && err.code === 'ERR_UNHANDLED_ERROR') s += ' (context: ' + fmt(err.context) + ')';
  return s;
}

// value turns scenario JSON into JavaScript values: {"$error": "msg"} is an
// Error, {"$undefined": true} is undefined.
function value(v) {
  if (Array.isArray(v)) return v.map(value);
  if (v !== null && typeof v === 'object') {
    if ('$error' in v) return new Error(v.$error);
    if ('$undefined' in v) return undefined;
    const o = {};
    for (const k of Object.keys(v)) o[k] = value(v[k]);
    return o;
  }
  return v;
}

function eventName(s) {
  return s === '$errorMonitor' ? EventEmitter.errorMonitor : s;
}

const opts = scenario.emitter || {};
const className = opts.className || 'EventEmitter';
const Klass = className === 'EventEmitter' ? EventEmitter : { [className]: class extends EventEmitter {} }[className];
const em = opts.captureRejections ? new Klass({ captureRejections: true }) : new Klass();

const listeners = {};
function makeListener(name, spec) {
  const body = (self, args) => {
    trace(name + '(' + args.map(fmt).join(', ') + ')');
    depth++;
    try {
      for (const step of spec.do || []) run(step, self, true);
    } finally {
      depth--;
    }
  };
  let fn;
  // The arrow functions take `this` from makeListener, which is called
  // plainly in strict mode: undefined, not the emitter.
  if (spec.arrow && spec.async) fn = async (...args) => body(this, args);
  else if (spec.arrow) fn = (...args) => body(this, args);
  else if (spec.async) fn = async function (...args) { return body(this, args); };
  else fn = function (...args) { return body(this, args); };
  labels.set(fn, name);
  return fn;
}
for (const [name, spec] of Object.entries(scenario.listeners || {})) {
  listeners[name] = makeListener(name, spec);
}

function describe(step) {
  const parts = [step.op];
  if (step.event !== undefined) parts.push(String(eventName(step.event)));
  if (step.listener !== undefined) parts.push(step.listener);
  if (step.n !== undefined) parts.push(String(step.n));
  let s = parts.join(' ');
  if (step.op === 'callRaw') s += '[' + step.index + ']';
  if (step.args !== undefined) s += ' ' + fmt(value(step.args));
  if (step.id !== undefined) s += ' as ' + step.id;
  if (step.op === 'throw') s += ' ' + fmt(throwValue(step));
  return s;
}

function throwValue(step) {
  return 'error' in step ? new Error(step.error) : value(step.value);
}

// run performs one step. At the top level a throw is caught and traced; in
// a listener it propagates, as it would in a real listener.
function run(step, self, inListener) {
  trace(describe(step));
  const ev = eventName(step.event);
  const fn = listeners[step.listener];
  const args = step.args === undefined ? [] : value(step.args);
  try {
    switch (step.op) {
      case 'on': em.on(ev, fn); break;
      case 'addListener': em.addListener(ev, fn); break;
      case 'prependListener': em.prependListener(ev, fn); break;
      case 'once': em.once(ev, fn); break;
      case 'prependOnceListener': em.prependOnceListener(ev, fn); break;
      case 'off': em.off(ev, fn); break;
      case 'removeListener': em.removeListener(ev, fn); break;
      case 'removeAllListeners':
        if (step.event === undefined) em.removeAllListeners(); else em.removeAllListeners(ev);
        break;
      case 'emit': trace('= ' + fmt(em.emit(ev, ...args))); break;
      case 'listenerCount': trace('= ' + fmt(fn ? em.listenerCount(ev, fn) : em.listenerCount(ev))); break;
      case 'listeners': trace('= ' + fmt(em.listeners(ev))); break;
      case 'rawListeners': trace('= ' + fmt(em.rawListeners(ev))); break;
      case 'eventNames': trace('= ' + fmt(em.eventNames())); break;
      case 'setMaxListeners': em.setMaxListeners(step.n); break;
      case 'getMaxListeners': trace('= ' + fmt(em.getMaxListeners())); break;
      case 'callRaw': em.rawListeners(ev)[step.index](...args); break;
      case 'eventsOnce': {
        const id = step.id;
        EventEmitter.once(em, ev).then(
          (got) => trace(id + ' resolved ' + fmt(got)),
          (err) => trace(id + ' rejected ' + fmt(err)));
        break;
      }
      case 'this': trace(self === em ? 'this is the emitter' : 'this is not the emitter'); break;
      case 'throw': throw throwValue(step);
      default: throw new Error('unknown op ' + step.op);
    }
  } catch (err) {
    if (inListener) throw err;
    trace(thrownString(err, args));
  }
}

process.on('warning', (w) => trace('warning ' + w.name + ': ' + w.message));
process.on('uncaughtException', (err) => trace('uncaughtException ' + fmt(err)));
process.on('unhandledRejection', (reason) => trace('unhandledRejection ' + fmt(reason)));

const settle = () => new Promise((resolve) => setImmediate(resolve));

(async () => {
  await settle();
  for (const step of scenario.steps) {
    if (step.op === 'tick') {
      trace('tick');
      await settle();
      continue;
    }
    run(step, undefined, false);
  }
  await settle();
  trace('end');
})();
