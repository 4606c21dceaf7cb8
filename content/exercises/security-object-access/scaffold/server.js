'use strict';
// An orders API. Every request carries an API key (Authorization: Bearer
// KEY), and keys.json says whose it is: authentication is done. Which orders
// a user may see and change is not (README.md).

const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const express = require('express');

const load = (name) => JSON.parse(fs.readFileSync(path.join(__dirname, name), 'utf8'));
const keys = new Map(Object.entries(load('keys.json'))); // API key -> user
const orders = load('orders.json'); // [{ id, owner, item, total, note }]

const app = express();
app.use(express.json({ limit: '10kb' }));

// Who is calling: 401 without a known key.
app.use((req, res, next) => {
  const match = /^Bearer (\S+)$/.exec(req.get('authorization') || '');
  const user = match && keys.get(match[1]);
  if (!user) return res.status(401).json({ error: 'a valid API key is required' });
  req.user = user;
  next();
});

app.get('/orders', (req, res) => {
  res.json(orders.filter((o) => o.owner === req.user));
});

app.get('/orders/:id', (req, res) => {
  const order = orders.find((o) => o.id === Number(req.params.id));
  if (!order) return res.status(404).json({ error: 'no such order' });
  res.json(order);
});

// Customers may add a note to an order.
app.patch('/orders/:id', (req, res) => {
  const order = orders.find((o) => o.id === Number(req.params.id));
  if (!order) return res.status(404).json({ error: 'no such order' });
  Object.assign(order, req.body);
  res.json(order);
});

app.delete('/orders/:id', (req, res) => {
  const i = orders.findIndex((o) => o.id === Number(req.params.id));
  if (i < 0) return res.status(404).json({ error: 'no such order' });
  orders.splice(i, 1);
  res.status(204).end();
});

const server = http.createServer(app);
server.listen(Number(process.env.PORT) || 3000, process.env.HOST || '127.0.0.1', () => {
  console.log(`listening on http://${process.env.HOST || '127.0.0.1'}:${server.address().port}`);
});
