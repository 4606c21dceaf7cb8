const first = require('./counter');
const second = require('./counter');
console.log('same object:', first === second);
first.next();
console.log('second.next() =', second.next());

const file = require.resolve('./counter');
console.log('cached:', file in require.cache);
delete require.cache[file];
const third = require('./counter');
console.log('after delete, same object:', third === first);
console.log('third.next() =', third.next());
