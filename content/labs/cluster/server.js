'use strict';
// The cluster lab's Node server (lesson q14): one primary forks N workers
// with node:cluster, and they all serve one loopback port. nodedive runs it,
// reads the JSON lines it prints on stdout (one event per line) and drives
// it with JSON lines on stdin. It also runs by hand:
//
//   NODEDIVE_WORKERS=2 NODEDIVE_PORT=8080 node server.js
//   kill -HUP <primary pid>   # rolling restart
//   kill -TERM <primary pid>  # graceful shutdown
//
// Settings (environment):
//   NODEDIVE_WORKERS            number of workers (default 2)
//   NODEDIVE_PORT               port on 127.0.0.1 (default 8080)
//   NODE_CLUSTER_SCHED_POLICY   rr (default on Linux) or none, read by node itself
//   NODEDIVE_APP                module exporting (config, cluster) => handler | http.Server
//   NODEDIVE_APP_CONFIG         JSON handed to that factory
//   NODEDIVE_BACKOFF_*_MS, NODEDIVE_MAX_CRASHES, NODEDIVE_DRAIN_MS, NODEDIVE_START_MS
//
// Events (stdout): primary, forked, listening, ready, exit, draining, stats,
// restart-begin/-step/-done/-failed, crash-loop, start-failed, call,
// stopping, stopped. Commands (stdin): {"cmd":"restart","ref":n},
// {"cmd":"stop"}, {"cmd":"reply","ref":n,"data":...,"error":"..."}.

const cluster = require('node:cluster');
const http = require('node:http');
const path = require('node:path');

const env = process.env;
const int = (name, fallback) => {
  const n = Number(env[name]);
  return Number.isInteger(n) && n >= 0 && env[name] !== '' && env[name] !== undefined ? n : fallback;
};
const WORKERS = Math.max(1, int('NODEDIVE_WORKERS', 2));
const PORT = int('NODEDIVE_PORT', 8080);
const BACKOFF_INITIAL = int('NODEDIVE_BACKOFF_INITIAL_MS', 100);
const BACKOFF_MAX = int('NODEDIVE_BACKOFF_MAX_MS', 5000);
const MIN_UPTIME = int('NODEDIVE_MIN_UPTIME_MS', 1000);
const MAX_CRASHES = Math.max(1, int('NODEDIVE_MAX_CRASHES', 5));
const DRAIN_MS = int('NODEDIVE_DRAIN_MS', 10000);
// How long a draining worker waits for the first request on a connection
// it accepted but has not heard from yet (the Go workers wait as long).
const FIRST_REQUEST_MS = Math.min(1000, DRAIN_MS);
const START_MS = int('NODEDIVE_START_MS', 15000);

if (cluster.isPrimary) {
  runPrimary();
} else {
  runWorker();
}

// ---------------------------------------------------------------- primary

function runPrimary() {
  const report = (event, fields = {}) => {
    process.stdout.write(JSON.stringify({ event, ...fields }) + '\n');
  };
  const policy = cluster.schedulingPolicy === cluster.SCHED_RR ? 'rr' : 'none';
  report('primary', { pid: process.pid, policy, size: WORKERS, port: PORT });

  // silent: workers' stdout/stderr come to us, so a crash report can carry
  // the dying worker's own last words.
  cluster.setupPrimary({ silent: true });

  const slots = Array.from({ length: WORKERS }, () => ({ current: null, crashes: 0, timer: null }));
  const live = new Map(); // worker.id -> record, until 'exit'
  let phase = 'starting';
  let restarting = false;

  function fork(slot, respawnOf) {
    const worker = cluster.fork({ NODEDIVE_SLOT: String(slot) });
    const rec = {
      worker, slot, startedAt: Date.now(), listening: false, planned: false,
      output: '', requests: 0, conns: 0,
    };
    live.set(worker.id, rec);
    const keep = (chunk) => {
      rec.output = (rec.output + chunk).slice(-4096);
      process.stderr.write(chunk);
    };
    worker.process.stdout.on('data', keep);
    worker.process.stderr.on('data', keep);
    worker.on('message', (msg) => onWorkerMessage(rec, msg));
    report('forked', { id: worker.id, pid: worker.process.pid, slot, respawn_of: respawnOf || null });
    return worker;
  }

  const describe = (code, signal) => `code ${code}, signal ${signal}`;

  cluster.on('listening', (worker, address) => {
    const rec = live.get(worker.id);
    if (!rec) return;
    rec.listening = true;
    report('listening', { id: worker.id, pid: worker.process.pid, slot: rec.slot, port: address.port });
    if (phase === 'starting' && slots.every((s) => s.current && live.get(s.current.id)?.listening)) {
      phase = 'running';
      report('ready', { port: address.port });
    }
  });

  cluster.on('exit', (worker, code, signal) => {
    const rec = live.get(worker.id);
    if (!rec) return;
    live.delete(worker.id);
    // exitedAfterDisconnect: we called disconnect(), so the exit was asked for.
    const planned = rec.planned || worker.exitedAfterDisconnect === true;
    report('exit', {
      id: worker.id, pid: worker.process.pid, slot: rec.slot, code, signal, planned,
      requests: rec.requests, output: planned ? undefined : rec.output,
    });
    const slot = slots[rec.slot];
    const current = slot.current === worker;
    if (current) slot.current = null;
    if (planned || !current) return;
    if (phase === 'starting') {
      report('start-failed', {
        id: worker.id, pid: worker.process.pid,
        message: `worker ${worker.id} (pid ${worker.process.pid}) exited (${describe(code, signal)}) before listening`,
        output: rec.output,
      });
      shutdown(1);
      return;
    }
    if (phase !== 'running') return;
    // Back off: a worker that dies right after starting will likely die
    // again, so wait longer each time, and stop after MAX_CRASHES.
    if (rec.listening && Date.now() - rec.startedAt >= MIN_UPTIME) slot.crashes = 0;
    slot.crashes++;
    if (slot.crashes >= MAX_CRASHES) {
      report('crash-loop', {
        slot: rec.slot, id: worker.id, pid: worker.process.pid, crashes: slot.crashes,
        last: describe(code, signal), output: rec.output,
      });
      shutdown(1);
      return;
    }
    const delay = Math.min(BACKOFF_INITIAL * 2 ** (slot.crashes - 1), BACKOFF_MAX);
    slot.timer = setTimeout(() => {
      slot.timer = null;
      if (phase !== 'running' || slot.current) return;
      slot.current = fork(rec.slot, { id: worker.id, pid: worker.process.pid });
    }, delay);
  });

  // Calls from workers go up to nodedive, whose handlers answer them.
  let callRef = 0;
  const calls = new Map();
  let statsDirty = false;
  function onWorkerMessage(rec, msg) {
    if (!msg || typeof msg !== 'object') return;
    if (msg.nd === 'stats') {
      rec.requests = msg.requests;
      rec.conns = msg.conns;
      statsDirty = true;
    } else if (msg.nd === 'call') {
      const ref = ++callRef;
      calls.set(ref, { worker: rec.worker, id: msg.id });
      report('call', { ref, worker: rec.worker.id, pid: rec.worker.process.pid, slot: rec.slot, name: msg.name, data: msg.data });
    }
  }
  function reply(cmd) {
    const call = calls.get(cmd.ref);
    if (!call) return;
    calls.delete(cmd.ref);
    if (call.worker.isConnected()) {
      call.worker.send({ nd: 'reply', id: call.id, data: cmd.data, error: cmd.error || undefined });
    }
  }
  setInterval(() => {
    if (!statsDirty) return;
    statsDirty = false;
    const workers = [...live.entries()].map(([id, r]) => ({ id, requests: r.requests, conns: r.conns }));
    report('stats', { workers });
  }, 250).unref();

  // retire drains a worker: our 'drain' message turns keep-alive off in
  // it, then disconnect() closes its server (no new connections) and lets
  // it exit once in-flight requests are done.
  function retire(worker) {
    const rec = live.get(worker.id);
    if (!rec) return Promise.resolve();
    return new Promise((resolve) => {
      const killer = setTimeout(() => worker.process.kill('SIGKILL'), DRAIN_MS + 1000);
      worker.once('exit', () => {
        clearTimeout(killer);
        resolve();
      });
      if (rec.planned) return;
      rec.planned = true;
      report('draining', { id: worker.id, pid: worker.process.pid, slot: rec.slot });
      if (worker.isConnected()) {
        worker.send({ nd: 'drain' });
        worker.disconnect();
      } else {
        worker.process.kill('SIGTERM');
      }
    });
  }

  function waitListening(worker) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        retire(worker);
        reject(new Error(`new worker ${worker.id} was not listening after ${START_MS} ms`));
      }, START_MS);
      worker.once('listening', () => {
        clearTimeout(timer);
        resolve();
      });
      worker.once('exit', (code, signal) => {
        clearTimeout(timer);
        const out = live.get(worker.id)?.output || '';
        reject(new Error(`new worker ${worker.id} (pid ${worker.process.pid}) exited (${describe(code, signal)}) ` +
          `before listening; the old worker keeps serving${out ? '\n' + out : ''}`));
      });
    });
  }

  // A rolling restart replaces one worker at a time: fork, wait for
  // 'listening', then retire the old one, so the port is never dark.
  async function rollingRestart(ref) {
    if (phase !== 'running') {
      report('restart-failed', { ref, message: 'the cluster is not running' });
      return;
    }
    if (restarting) {
      report('restart-failed', { ref, message: 'a rolling restart is already running' });
      return;
    }
    restarting = true;
    report('restart-begin', { ref });
    try {
      for (let i = 0; i < slots.length; i++) {
        if (phase !== 'running') throw new Error('the cluster is stopping');
        const fresh = fork(i, null);
        await waitListening(fresh);
        const old = slots[i].current; // read now: a respawn may have replaced it
        slots[i].current = fresh;
        if (slots[i].timer) {
          clearTimeout(slots[i].timer);
          slots[i].timer = null;
        }
        if (!old) {
          report('restart-step', { ref, slot: i, id: fresh.id, pid: fresh.process.pid,
            message: `slot ${i}: worker ${fresh.id} (pid ${fresh.process.pid}) is serving (the slot was empty)` });
          continue;
        }
        report('restart-step', { ref, slot: i, id: fresh.id, pid: fresh.process.pid,
          message: `slot ${i}: worker ${fresh.id} (pid ${fresh.process.pid}) is serving, draining worker ${old.id} (pid ${old.process.pid})` });
        await retire(old);
      }
      report('restart-done', { ref });
    } catch (err) {
      report('restart-failed', { ref, message: err.message });
    } finally {
      restarting = false;
    }
  }

  let exitCode = 0;
  function shutdown(code) {
    exitCode = Math.max(exitCode, code);
    if (phase === 'stopping') return;
    phase = 'stopping';
    report('stopping');
    for (const s of slots) if (s.timer) clearTimeout(s.timer);
    setTimeout(() => {
      for (const rec of live.values()) rec.worker.process.kill('SIGKILL');
      process.exit(exitCode || 1);
    }, DRAIN_MS + 2000).unref();
    Promise.all([...live.values()].map((rec) => retire(rec.worker))).then(() => {
      report('stopped');
      process.exit(exitCode);
    });
  }

  const readline = require('node:readline');
  const rl = readline.createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    let cmd;
    try {
      cmd = JSON.parse(line);
    } catch {
      return;
    }
    if (cmd.cmd === 'restart') rollingRestart(cmd.ref || 0);
    else if (cmd.cmd === 'stop') shutdown(0);
    else if (cmd.cmd === 'reply') reply(cmd);
  });
  // nodedive holds our stdin: when it closes, our supervisor is gone.
  rl.on('close', () => shutdown(0));
  process.on('SIGHUP', () => rollingRestart(0));
  process.on('SIGTERM', () => shutdown(0));
  process.on('SIGINT', () => shutdown(0));

  for (let i = 0; i < WORKERS; i++) slots[i].current = fork(i, null);
}

// ----------------------------------------------------------------- worker

function runWorker() {
  let requests = 0;
  let draining = false;
  // Every open connection: how many requests it has sent, and how many of
  // them are not answered yet.
  const conns = new Map();

  let nextCall = 0;
  const pending = new Map();
  // The app's handle on the cluster: identity, and call() to ask the
  // primary (and nodedive's handlers behind it) for shared state.
  const api = {
    id: cluster.worker.id,
    pid: process.pid,
    slot: Number(env.NODEDIVE_SLOT || 0),
    call(name, data) {
      return new Promise((resolve, reject) => {
        if (!process.connected) {
          reject(new Error('cluster primary is gone'));
          return;
        }
        const id = ++nextCall;
        pending.set(id, { resolve, reject });
        process.send({ nd: 'call', id, name, data });
      });
    },
  };

  let config = {};
  if (env.NODEDIVE_APP_CONFIG) config = JSON.parse(env.NODEDIVE_APP_CONFIG);
  const app = env.NODEDIVE_APP ? require(path.resolve(env.NODEDIVE_APP))(config, api) : hello(config);
  const server = app instanceof http.Server ? app : http.createServer(app);

  server.prependListener('request', (req, res) => {
    requests++;
    const conn = conns.get(req.socket);
    conn.requests++;
    conn.open++;
    res.setHeader('X-Worker-Pid', String(process.pid));
    // Draining: answer, then close, so the client reconnects elsewhere.
    if (draining) res.setHeader('Connection', 'close');
    res.once('finish', () => {
      conn.open--;
      // A request that began before the drain kept keep-alive on.
      if (draining) setImmediate(closeIdle);
    });
  });
  server.on('connection', (socket) => {
    conns.set(socket, { requests: 0, open: 0 });
    socket.once('close', () => conns.delete(socket));
  });

  // closeIdle closes the connections that are kept alive between two
  // requests. It spares a connection that has not sent its first request:
  // under round-robin the primary accepts a connection before its client
  // has written anything, and one handed to us just before the drain is
  // such a connection, its request on the way. Closing it loses that
  // request (the client sees a reset or an EOF).
  function closeIdle() {
    for (const [socket, conn] of conns) {
      if (conn.requests > 0 && conn.open === 0) socket.destroy();
    }
  }
  // disconnect() closes our server with server.close(), which calls
  // closeIdleConnections(). Up to Node 24 that closes only kept-alive
  // connections between requests; Node 26 closes the new ones as well,
  // so take over the method with the older meaning.
  server.closeIdleConnections = closeIdle;

  process.on('message', (msg) => {
    if (!msg || typeof msg !== 'object') return;
    if (msg.nd === 'reply') {
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      if (msg.error) p.reject(new Error(msg.error));
      else p.resolve(msg.data);
    } else if (msg.nd === 'drain') {
      draining = true;
      sendStats();
      closeIdle();
      // A connection that stays silent gets a short grace, not the whole
      // drain deadline.
      setTimeout(() => {
        for (const [socket, conn] of conns) if (conn.requests === 0) socket.destroy();
      }, FIRST_REQUEST_MS).unref();
      // The primary's disconnect() follows; this is the deadline for
      // requests that never finish.
      setTimeout(() => process.exit(0), DRAIN_MS).unref();
    }
  });

  let last = '';
  function sendStats() {
    const now = `${requests}/${conns.size}`;
    if (now === last || !process.connected) return;
    last = now;
    process.send({ nd: 'stats', requests, conns: conns.size });
  }
  setInterval(sendStats, 250).unref();

  server.listen(PORT, '127.0.0.1');
}

// hello is the default app: GET / tells who answered; ?delay=MS holds the
// answer (capped), so a drain has in-flight requests to wait for.
function hello(config) {
  const maxDelay = Number.isInteger(config.max_delay_ms) ? config.max_delay_ms : 2000;
  return (req, res) => {
    const url = new URL(req.url, 'http://localhost');
    const send = (status, value) => {
      const body = JSON.stringify(value) + '\n';
      res.writeHead(status, {
        'Content-Type': 'application/json; charset=utf-8',
        'Content-Length': Buffer.byteLength(body),
      });
      res.end(body);
    };
    if (req.method !== 'GET' || url.pathname !== '/') {
      send(404, { error: 'not found' });
      return;
    }
    const answer = () => send(200, { pid: process.pid, worker: cluster.worker.id, runtime: 'node', app: 'hello' });
    const delay = url.searchParams.get('delay');
    if (delay === null) {
      answer();
      return;
    }
    const ms = Number(delay);
    if (!Number.isInteger(ms) || ms < 0) {
      send(400, { error: 'delay must be a number of milliseconds' });
      return;
    }
    setTimeout(answer, Math.min(ms, maxDelay));
  };
}
