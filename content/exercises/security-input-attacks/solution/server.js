'use strict';
// The settings-and-files service with its three holes closed: the merge
// cannot reach a prototype, a name cannot leave files/, and a name is never
// read by a shell or as an option.

const { execFile } = require('node:child_process');
const http = require('node:http');
const path = require('node:path');
const express = require('express');

const FILES = path.join(__dirname, 'files');

const app = express();
app.use(express.json({ limit: '10kb' }));

app.use((req, res, next) => {
  req.user = { name: 'guest' };
  next();
});

const settings = { theme: 'light', notifications: { email: true, sms: false } };

// Keys that lead from an object to a prototype: target.__proto__ is
// Object.prototype, and target.constructor.prototype is too.
const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const isPlainObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

function merge(target, source) {
  for (const [key, value] of Object.entries(source)) {
    if (UNSAFE_KEYS.has(key)) continue;
    if (isPlainObject(value)) {
      // Recurse only into the target's own plain objects, never into
      // something it inherits.
      if (!Object.hasOwn(target, key) || !isPlainObject(target[key])) target[key] = {};
      merge(target[key], value);
    } else {
      target[key] = value;
    }
  }
  return target;
}

app.get('/settings', (req, res) => {
  res.json(settings);
});

app.patch('/settings', (req, res) => {
  if (!isPlainObject(req.body)) return res.status(400).json({ error: 'send a JSON object' });
  merge(settings, req.body);
  res.json(settings);
});

app.get('/admin', (req, res) => {
  if (!req.user.isAdmin) return res.status(403).json({ error: 'admins only' });
  res.json({ message: 'welcome to the admin panel' });
});

// The absolute path of the file called name directly in dir, or null. The
// path is resolved first and checked after: "../x", "....//x" once a filter
// has eaten a "../", "/etc/passwd" and "sub/x" all end up elsewhere.
function fileIn(dir, name) {
  if (typeof name !== 'string' || name === '' || name.includes('\0')) return null;
  const full = path.resolve(dir, name);
  return path.dirname(full) === dir ? full : null;
}

app.get('/files/:name', (req, res) => {
  const file = fileIn(FILES, req.params.name);
  if (!file) return res.status(404).json({ error: 'no such file' });
  res.sendFile(file, (err) => {
    if (err && !res.headersSent) res.status(404).json({ error: 'no such file' });
  });
});

app.get('/checksum', (req, res) => {
  const file = fileIn(FILES, req.query.name);
  if (!file) return res.status(404).json({ error: 'no such file' });
  // execFile runs sha256sum itself, with no shell, so the name is one
  // argument whatever characters it holds. It is an absolute path, so it
  // cannot pass for an option either, and `--` would stop one anyway.
  execFile('sha256sum', ['--', file], (err, stdout) => {
    const hash = /[0-9a-f]{64}/.exec(stdout);
    if (err || !hash) return res.status(404).json({ error: 'no such file' });
    res.json({ name: req.query.name, sha256: hash[0] });
  });
});

app.use((req, res) => {
  res.status(404).json({ error: 'Not found' });
});

// eslint-disable-next-line no-unused-vars
app.use((err, req, res, next) => {
  const status = err.status || err.statusCode;
  if (status >= 400 && status < 500) return res.status(status).json({ error: http.STATUS_CODES[status] });
  console.error(err);
  res.status(500).json({ error: 'Internal server error' });
});

const server = http.createServer(app);
server.listen(Number(process.env.PORT) || 3000, process.env.HOST || '127.0.0.1', () => {
  console.log(`listening on http://${process.env.HOST || '127.0.0.1'}:${server.address().port}`);
});
