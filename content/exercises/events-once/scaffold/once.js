'use strict';
// once(emitter, name, { signal } = {}) returns a Promise for the next `name`
// event: your own events.once. See README.md for everything it must do.

function once(emitter, name, options = {}) {
  return new Promise((resolve) => {
    emitter.on(name, (...args) => resolve(args));
  });
}

module.exports = { once };
