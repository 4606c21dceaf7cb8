'use strict';
// A settings-and-files service. Every route works for honest requests, and
// each has a hole that a crafted request walks through (README.md).

const { exec } = require('node:child_process');
const http = require('node:http');
const path = require('node:path');
const express = require('express');

const FILES = path.join(__dirname, 'files');

const app = express();
app.use(express.json({ limit: '10kb' }));

// Every request comes from a guest: nobody here is an admin.
app.use((req, res, next) => {
  req.user = { name: 'guest' };
  next();
});

// The guest's settings. PATCH /settings merges the body into them, so a
// client can change one nested setting without sending the rest.
const settings = { theme: 'light', notifications: { email: true, sms: false } };

function merge(target, source) {
  for (const [key, value] of Object.entries(source)) {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      if (!target[key]) target[key] = {};
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
  merge(settings, req.body ?? {});
  res.json(settings);
});

app.get('/admin', (req, res) => {
  if (!req.user.isAdmin) return res.status(403).json({ error: 'admins only' });
  res.json({ message: 'welcome to the admin panel' });
});

// Downloads a file of files/.
app.get('/files/:name', (req, res) => {
  res.sendFile(path.join(FILES, req.params.name));
});

// The SHA-256 of a file of files/, computed by sha256sum. The name is
// quoted, so names with spaces work.
app.get('/checksum', (req, res) => {
  const name = String(req.query.name ?? '');
  exec(`sha256sum "${name}"`, { cwd: FILES }, (err, stdout) => {
    if (err) return res.status(404).json({ error: 'no such file' });
    res.json({ name, sha256: stdout.split(' ')[0] });
  });
});

const server = http.createServer(app);
server.listen(Number(process.env.PORT) || 3000, process.env.HOST || '127.0.0.1', () => {
  console.log(`listening on http://${process.env.HOST || '127.0.0.1'}:${server.address().port}`);
});
