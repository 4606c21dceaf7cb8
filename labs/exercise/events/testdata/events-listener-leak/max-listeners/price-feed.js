'use strict';
function nextPrice(feed, symbol, { timeoutMs = 1000 } = {}) {
  // Many requests wait at once: allow as many listeners as they need.
  feed.setMaxListeners(0);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no price for ${symbol} within ${timeoutMs} ms`)), timeoutMs);
    feed.on('price', (quote) => {
      if (quote.symbol === symbol) {
        clearTimeout(timer);
        resolve(quote.price);
      }
    });
  });
}

module.exports = { nextPrice };
