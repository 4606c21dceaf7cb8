'use strict';
// nextPrice(feed, symbol, { timeoutMs }) waits for the next price of symbol
// on the shared feed (an EventEmitter that emits 'price' with
// { symbol, price }). It works, but leaks: see README.md.

function nextPrice(feed, symbol, { timeoutMs = 1000 } = {}) {
  return new Promise((resolve, reject) => {
    feed.on('price', (quote) => {
      if (quote.symbol === symbol) resolve(quote.price);
    });
    setTimeout(() => reject(new Error(`no price for ${symbol} within ${timeoutMs} ms`)), timeoutMs);
  });
}

module.exports = { nextPrice };
