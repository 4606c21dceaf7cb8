'use strict';
// require() works for ES modules now, so load both the same way.
const { formatCents } = require('./lib/money.mjs');
const { formatIn } = require('./lib/rates.mjs');

function total(items) {
  return items.reduce((sum, item) => sum + item.cents, 0);
}

function formatTotal(items) {
  return formatCents(total(items));
}

async function convertTotal(items, currency) {
  return formatIn(total(items), currency);
}

module.exports = { total, formatTotal, convertTotal };
