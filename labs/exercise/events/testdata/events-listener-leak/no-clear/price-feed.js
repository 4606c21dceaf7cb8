'use strict';
function nextPrice(feed, symbol, { timeoutMs = 1000 } = {}) {
  return new Promise((resolve, reject) => {
    const onPrice = (quote) => {
      if (quote.symbol !== symbol) return;
      feed.off('price', onPrice);
      resolve(quote.price);
    };
    setTimeout(() => {
      feed.off('price', onPrice);
      reject(new Error(`no price for ${symbol} within ${timeoutMs} ms`));
    }, timeoutMs);
    feed.on('price', onPrice);
  });
}

module.exports = { nextPrice };
