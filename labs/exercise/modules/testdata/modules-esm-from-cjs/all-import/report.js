'use strict';
// import() works everywhere, so use it for both modules.
function total(items) {
  return items.reduce((sum, item) => sum + item.cents, 0);
}

async function formatTotal(items) {
  const { formatCents } = await import('./lib/money.mjs');
  return formatCents(total(items));
}

async function convertTotal(items, currency) {
  const { formatIn } = await import('./lib/rates.mjs');
  return formatIn(total(items), currency);
}

module.exports = { total, formatTotal, convertTotal };
