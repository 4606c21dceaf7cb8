'use strict';
// A bank account that announces its transactions. Amounts are integer cents:
// floating-point dollars drift (0.1 + 0.2 !== 0.3).
const { EventEmitter } = require('node:events');

// checkCents throws unless value is a whole number of cents of at least min.
// A bad amount is a bug in the caller, so it throws rather than emitting:
// events are for what happens to the account, not for programming errors.
function checkCents(what, value, min) {
  if (typeof value !== 'number') {
    throw new TypeError(`${what} must be a number of cents, got ${typeof value}`);
  }
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`${what} must be a whole number of cents, at least ${min}, got ${value}`);
  }
}

class BankAccount extends EventEmitter {
  #balance;

  constructor(openingCents = 0) {
    super();
    checkCents('the opening balance', openingCents, 0);
    this.#balance = openingCents;
  }

  get balance() {
    return this.#balance;
  }

  // deposit adds cents and emits 'deposit' once the balance has changed, so
  // listeners read the new one.
  deposit(cents) {
    checkCents('a deposit', cents, 1);
    this.#balance += cents;
    this.emit('deposit', { amount: cents, balance: this.#balance });
    return this.#balance;
  }

  // withdraw takes cents if the balance covers them. A declined withdrawal
  // is a normal outcome, so it is a 'declined' event and a false return,
  // never 'error': emit('error') with no listener throws and would take the
  // whole process down.
  withdraw(cents) {
    checkCents('a withdrawal', cents, 1);
    if (cents > this.#balance) {
      const reason = `cannot withdraw ${cents} cents, the balance is ${this.#balance}`;
      this.emit('error', new Error(reason));
      return false;
    }
    this.#balance -= cents;
    this.emit('withdraw', { amount: cents, balance: this.#balance });
    return true;
  }
}

module.exports = { BankAccount };
