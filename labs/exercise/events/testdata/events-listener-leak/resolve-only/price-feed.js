'use strict';
function nextPrice(feed, symbol, { timeoutMs = 1000 } = {}) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no price for ${symbol} within ${timeoutMs} ms`)), timeoutMs);
    const onPrice = (quote) => {
      if (quote.symbol !== symbol) return;
      clearTimeout(timer);
      feed.off('price', onPrice);
      resolve(quote.price);
    };
    feed.on('price', onPrice);
  });
}

module.exports = { nextPrice };
