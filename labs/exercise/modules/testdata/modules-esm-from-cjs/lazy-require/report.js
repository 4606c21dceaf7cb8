'use strict';
// Load each module only when it is first needed.
function total(items) {
  return items.reduce((sum, item) => sum + item.cents, 0);
}

function formatTotal(items) {
  const { formatCents } = require('./lib/money.mjs');
  return formatCents(total(items));
}

async function convertTotal(items, currency) {
  const { formatIn } = await import('./lib/rates.mjs');
  return formatIn(total(items), currency);
}

module.exports = { total, formatTotal, convertTotal };
