const pending = import('./math.mjs');
console.log('import() returned a Promise:', pending instanceof Promise);
pending.then((math) => {
  console.log('math.add(2, 3) =', math.add(2, 3));
});
console.log('main: end of synchronous code');
