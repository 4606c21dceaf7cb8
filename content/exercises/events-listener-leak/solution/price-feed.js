'use strict';
// nextPrice(feed, symbol, { timeoutMs }) waits for the next price of symbol
// on the shared feed (an EventEmitter that emits 'price' with
// { symbol, price }).

function nextPrice(feed, symbol, { timeoutMs = 1000 } = {}) {
  return new Promise((resolve, reject) => {
    // Both ways out (a price, the timeout) undo everything the request set
    // up. A listener left on the shared feed runs on every price from then
    // on and is never collected; a timer left running keeps the process
    // alive.
    const finish = () => {
      clearTimeout(timer);
      feed.off('price', onPrice);
    };
    const onPrice = (quote) => {
      if (quote.symbol !== symbol) return;
      finish();
      resolve(quote.price);
    };
    const timer = setTimeout(() => {
      finish();
      reject(new Error(`no price for ${symbol} within ${timeoutMs} ms`));
    }, timeoutMs);
    feed.on('price', onPrice);
  });
}

module.exports = { nextPrice };
