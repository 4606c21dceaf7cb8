'use strict';
// The "database": products in a JSON file, slow on purpose, like a real
// database across the network (DB_DELAY_MS, default 200 ms a query). Leave
// this file as it is: the checks use their own copy. Settings:
//
//   DB_FILE      the products file (default products.json next to this file)
//   DB_DELAY_MS  how long each query takes
//   DB_LOG       a file that gets one line per query: the query log the
//                checks read to count your database reads
const fs = require('node:fs/promises');
const path = require('node:path');
const { setTimeout: sleep } = require('node:timers/promises');

const FILE = process.env.DB_FILE || path.join(__dirname, 'products.json');
const DELAY = Number(process.env.DB_DELAY_MS ?? 200);

async function log(query, id) {
  if (process.env.DB_LOG) {
    await fs.appendFile(process.env.DB_LOG, JSON.stringify({ query, id, pid: process.pid, at: Date.now() }) + '\n');
  }
}

async function readRows() {
  return JSON.parse(await fs.readFile(FILE, 'utf8'));
}

// getProduct reads the product as the query starts and answers DELAY ms
// later: a change that lands meanwhile is not in its answer.
async function getProduct(id) {
  await log('get', id);
  const row = (await readRows())[id] ?? null;
  await sleep(DELAY);
  return row;
}

// updateProduct changes a product's fields; the change lands at the end of
// the query, DELAY ms after it started. It returns the updated product, or
// null when there is none with that id.
async function updateProduct(id, changes) {
  await log('update', id);
  await sleep(DELAY);
  const rows = await readRows();
  if (!rows[id]) return null;
  rows[id] = { ...rows[id], ...changes, id };
  const tmp = `${FILE}.${process.pid}.tmp`;
  await fs.writeFile(tmp, JSON.stringify(rows, null, 2) + '\n');
  await fs.rename(tmp, FILE); // readers see the old file or the new one, never half of it
  return rows[id];
}

module.exports = { getProduct, updateProduct };
