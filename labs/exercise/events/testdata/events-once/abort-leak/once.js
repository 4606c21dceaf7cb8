'use strict';
// once(emitter, name, { signal } = {}) returns a Promise for the next `name`
// event, like events.once from node:events.

// abortError is the error Node rejects with on an abort.
function abortError(signal) {
  const err = new Error('The operation was aborted', { cause: signal.reason });
  err.name = 'AbortError';
  err.code = 'ABORT_ERR';
  return err;
}

function once(emitter, name, { signal } = {}) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError(signal));
      return;
    }
    // One cleanup for every way out: whichever listener fires first, the
    // others must not stay behind (a leak, and a stale 'error' listener
    // would swallow later errors).
    const cleanup = () => {
      emitter.removeListener(name, onEvent);
      if (name !== 'error') emitter.removeListener('error', onError);
    };
    const onEvent = (...args) => {
      cleanup();
      resolve(args);
    };
    const onError = (err) => {
      cleanup();
      reject(err);
    };
    const onAbort = () => {
      cleanup();
      reject(abortError(signal));
    };
    emitter.on(name, onEvent);
    // Waiting for 'error' itself resolves with it; otherwise an 'error'
    // first is a rejection.
    if (name !== 'error') emitter.on('error', onError);
    signal?.addEventListener('abort', onAbort);
  });
}

module.exports = { once };
