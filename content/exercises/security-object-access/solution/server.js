'use strict';
// The orders API with object-level authorization: every route that takes an
// order id looks the order up among the caller's own, and a PATCH changes
// only the field a customer may change.

const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const express = require('express');

const load = (name) => JSON.parse(fs.readFileSync(path.join(__dirname, name), 'utf8'));
const keys = new Map(Object.entries(load('keys.json')));
const orders = load('orders.json');

const app = express();
app.use(express.json({ limit: '10kb' }));

app.use((req, res, next) => {
  const match = /^Bearer (\S+)$/.exec(req.get('authorization') || '');
  const user = match && keys.get(match[1]);
  if (!user) return res.status(401).json({ error: 'a valid API key is required' });
  req.user = user;
  next();
});

// The caller's order with this id, or undefined. Someone else's order is
// "not found" exactly like a missing one, so ids cannot be probed for
// existence.
function ownOrder(req) {
  const id = Number(req.params.id);
  return orders.find((o) => o.id === id && o.owner === req.user);
}

const NOT_FOUND = { error: 'no such order' };

app.get('/orders', (req, res) => {
  res.json(orders.filter((o) => o.owner === req.user));
});

app.get('/orders/:id', (req, res) => {
  const order = ownOrder(req);
  if (!order) return res.status(404).json(NOT_FOUND);
  res.json(order);
});

// A customer may change the note, and nothing else: copying the body into
// the order would let it set owner or total too.
app.patch('/orders/:id', (req, res) => {
  const order = ownOrder(req);
  if (!order) return res.status(404).json(NOT_FOUND);
  const { note } = req.body ?? {};
  if (typeof note !== 'string' || note.length > 500) {
    return res.status(400).json({ error: 'send { note }, a string of at most 500 characters' });
  }
  order.note = note;
  res.json(order);
});

app.delete('/orders/:id', (req, res) => {
  const order = ownOrder(req);
  if (!order) return res.status(404).json(NOT_FOUND);
  orders.splice(orders.indexOf(order), 1);
  res.status(204).end();
});

const server = http.createServer(app);
server.listen(Number(process.env.PORT) || 3000, process.env.HOST || '127.0.0.1', () => {
  console.log(`listening on http://${process.env.HOST || '127.0.0.1'}:${server.address().port}`);
});
