'use strict';
// The shop's reports. This file is CommonJS (package.json says so) and must
// stay CommonJS: the rest of the shop require()s it.

// money.mjs is a plain ES module, so require() loads it synchronously (Node
// 20.19+, 22.12+). Load it here, once, while report.js itself loads. A
// require() in the middle of the app's life could land while an import() of
// rates.mjs (which imports money.mjs) is still loading it: Node 24 and later
// throw ERR_REQUIRE_ESM_RACE_CONDITION then.
const { formatCents } = require('./lib/money.mjs');

// rates.mjs uses top-level await: require() would throw
// ERR_REQUIRE_ASYNC_MODULE. import() it on first use and keep the promise.
let rates;
function loadRates() {
  rates ??= import('./lib/rates.mjs');
  return rates;
}

function total(items) {
  return items.reduce((sum, item) => sum + item.cents, 0);
}

// formatTotal returns the total of items, formatted in dollars, at once.
function formatTotal(items) {
  return formatCents(total(items));
}

// convertTotal resolves to the total of items, formatted in currency.
async function convertTotal(items, currency) {
  const { formatIn } = await loadRates();
  return formatIn(total(items), currency);
}

module.exports = { total, formatTotal, convertTotal };
