// The BankAccount example from the notes behind lesson q12, kept as it was
// written: an EventEmitter subclass that reports deposits, withdrawals and
// failures as events. `nodedive lab emitter --demo bank` replays sessions
// of this script in Go; the lines after the session marker are what was
// done to the account, and the Go model writes the same lines for every
// session.
//
// It is the cautionary version. A declined withdrawal is emitted as
// 'error', so an account with no 'error' listener crashes the process on an
// ordinary "Insufficient funds" (try the demo with --off error); amounts are
// not validated (a negative withdrawal adds money) and are kept as floats.
// Lesson q12 ("A bank account designed for events") shows the corrected
// design beside it: outcomes returned to the caller, a 'withdrawalDeclined'
// event, validation, and whole cents.
const EventEmitter = require('events');

class BankAccount extends EventEmitter {
  constructor(balance = 0) {
    super();
    this.balance = balance;
  }

  deposit(amount) {
    this.balance += amount;
    this.emit('deposit', { amount, balance: this.balance });
  }

  withdraw(amount) {
    if (amount > this.balance) {
      this.emit('error', new Error('Insufficient funds'));
      return;
    }
    this.balance -= amount;
    this.emit('withdraw', { amount, balance: this.balance });
  }
}

// Named listeners, so that a session can remove them again with off().
const onDeposit = (event) => {
  console.log(`Deposited $${event.amount}, new balance: $${event.balance}`);
};
const onWithdraw = (event) => {
  console.log(`Withdrew $${event.amount}, new balance: $${event.balance}`);
};
const onError = (err) => {
  console.error('Transaction failed:', err.message);
};
const onMonitor = (err) => {
  console.log('[errorMonitor] saw:', err.message);
};

const account = new BankAccount(100);

// --- session ---
account.on('deposit', onDeposit);
account.on('withdraw', onWithdraw);
account.on('error', onError);

account.deposit(50);
account.withdraw(30);
account.withdraw(200);
