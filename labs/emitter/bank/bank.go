// Package bank is the BankAccount demo of lesson q12 as a Go model: an
// account built on the Go EventEmitter that emits 'deposit', 'withdraw' and
// 'error', the example's three listeners (plus an errorMonitor) that can be
// switched on and off, a log of which listeners ran in what order, and, when
// an overdraft finds no 'error' listener, exactly what node would print
// before exiting with code 1. Nothing is killed: the model just marks its
// pretend process as exited until Restart.
//
// Every session is also a JavaScript program (Script): content/labs/emitter/
// bank.js up to its session marker, followed by one line per action. Run
// on node, it prints what the model printed; the tests check that.
package bank

import (
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/nodedive/nodedive/content"
	"github.com/nodedive/nodedive/labs/emitter"
)

// ScriptFile is the demo's JavaScript inside content.Labs().
const ScriptFile = "emitter/bank.js"

// sessionMarker ends the fixed part of bank.js.
const sessionMarker = "// --- session ---\n"

// InitialBalance is what new BankAccount(100) starts with.
const InitialBalance = 100

// Listener names one of the demo's listeners.
type Listener int

const (
	// OnDeposit logs deposits: account.on('deposit', onDeposit).
	OnDeposit Listener = iota
	// OnWithdraw logs withdrawals.
	OnWithdraw
	// OnError reports failures on stderr; without it an overdraft
	// crashes the process.
	OnError
	// OnMonitor is an events.errorMonitor listener: it sees errors but
	// does not handle them. Not part of the lesson's example; off at
	// first.
	OnMonitor
)

// Listeners lists them in the order the script registers them.
var Listeners = []Listener{OnDeposit, OnWithdraw, OnError, OnMonitor}

type listenerInfo struct {
	fn      string // the JavaScript const
	event   string // as the TUI and log show it
	jsEvent string // as the script writes the event name
}

var info = map[Listener]listenerInfo{
	OnDeposit:  {"onDeposit", "deposit", "'deposit'"},
	OnWithdraw: {"onWithdraw", "withdraw", "'withdraw'"},
	OnError:    {"onError", "error", "'error'"},
	OnMonitor:  {"onMonitor", "errorMonitor", "EventEmitter.errorMonitor"},
}

// Name is the listener's function name in the script ("onDeposit").
func (l Listener) Name() string { return info[l].fn }

// Event is the event it listens to ("deposit", "errorMonitor").
func (l Listener) Event() string { return info[l].event }

func (l Listener) String() string { return l.Name() }

// ParseListener accepts "deposit", "onDeposit", "monitor", "errorMonitor"...
func ParseListener(s string) (Listener, error) {
	k := strings.ToLower(strings.TrimSpace(s))
	for _, l := range Listeners {
		if k == strings.ToLower(l.Name()) || k == strings.ToLower(l.Event()) {
			return l, nil
		}
	}
	if k == "monitor" {
		return OnMonitor, nil
	}
	return 0, fmt.Errorf("unknown listener %q (want deposit, withdraw, error or monitor)", s)
}

// Stream is where a line of output went.
type Stream int

// The two streams the demo prints to, as Node would.
const (
	Stdout Stream = iota
	Stderr
)

func (s Stream) String() string {
	if s == Stderr {
		return "stderr"
	}
	return "stdout"
}

// Line is one line a session printed.
type Line struct {
	Stream Stream
	Text   string
}

// Entry is one action in the event log.
type Entry struct {
	// Call is the script line for the action, e.g. "account.withdraw(200);".
	Call string
	// Event is the event the action emitted ("" for switching listeners).
	Event string
	// Ran names the listeners that ran, in order, as "event:name"
	// ("errorMonitor:onMonitor", "error:onError").
	Ran []string
	// Emitted is emit's return value: false when nobody listened.
	Emitted bool
	// Lines is what the action printed.
	Lines []Line
	// Balance is the balance after the action.
	Balance int64
	// Crash is set when the action killed the process.
	Crash *Crash
}

// Crash is an unhandled 'error' event: what node prints on stderr and the
// status it exits with.
type Crash struct {
	Stderr   string
	ExitCode int
}

// ErrExited is returned for actions after a crash: that process is gone.
var ErrExited = errors.New("the process has exited (unhandled 'error' event): restart it first")

// Options configure an Account.
type Options struct {
	// Profile is the node version whose crash output to reproduce
	// (default: DefaultProfile).
	Profile *Profile
	// ScriptPath is where the script pretends to live; it appears in
	// stack traces (default "/home/you/bank.js").
	ScriptPath string
	// Off lists listeners that start switched off. OnMonitor always
	// starts off unless listed in On.
	Off []Listener
	// On switches on OnMonitor at the start.
	On []Listener
}

// Account is a BankAccount session.
type Account struct {
	opts    Options
	header  string
	em      *emitter.Emitter
	fns     map[Listener]*emitter.Listener
	enabled map[Listener]bool
	balance int64
	session []string
	log     []Entry
	// procStart is where this process's entries start in log.
	procStart int
	crash     *Crash
	current   *Entry
}

// insufficientFunds is the Error withdraw emits.
type insufficientFunds struct{}

func (insufficientFunds) Error() string { return "Insufficient funds" }

// New starts a session like the top of bank.js: a BankAccount(100) with the
// chosen listeners added.
func New(o Options) (*Account, error) {
	src, err := fs.ReadFile(content.Labs(), ScriptFile)
	if err != nil {
		return nil, err
	}
	head, _, ok := strings.Cut(string(src), sessionMarker)
	if !ok {
		return nil, fmt.Errorf("%s has no session marker %q", ScriptFile, strings.TrimSpace(sessionMarker))
	}
	if o.Profile == nil {
		p := DefaultProfile
		o.Profile = &p
	}
	if o.ScriptPath == "" {
		o.ScriptPath = "/home/you/bank.js"
	}
	a := &Account{opts: o, header: head + sessionMarker}
	a.start()
	return a, nil
}

func (a *Account) start() {
	a.em = emitter.NewWith(emitter.Options{ClassName: "BankAccount"})
	a.procStart = len(a.log)
	a.balance = InitialBalance
	a.session = nil
	a.crash = nil
	a.enabled = map[Listener]bool{}
	a.fns = map[Listener]*emitter.Listener{}
	for _, l := range Listeners {
		a.fns[l] = a.listenerFunc(l)
	}
	for _, l := range Listeners {
		on := l != OnMonitor
		for _, off := range a.opts.Off {
			on = on && off != l
		}
		for _, x := range a.opts.On {
			on = on || x == l
		}
		if on {
			a.attach(l)
		}
	}
	a.session = append(a.session, "")
}

// listenerFunc builds the Go twin of the script's arrow function.
func (a *Account) listenerFunc(l Listener) *emitter.Listener {
	name := l.Name()
	return emitter.NewArrow(name, func(_ *emitter.Emitter, args ...any) error {
		if a.current != nil {
			a.current.Ran = append(a.current.Ran, l.Event()+":"+name)
		}
		switch l {
		case OnDeposit:
			ev := args[0].(event)
			a.print(Stdout, fmt.Sprintf("Deposited $%d, new balance: $%d", ev.amount, ev.balance))
		case OnWithdraw:
			ev := args[0].(event)
			a.print(Stdout, fmt.Sprintf("Withdrew $%d, new balance: $%d", ev.amount, ev.balance))
		case OnError:
			a.print(Stderr, "Transaction failed: "+args[0].(error).Error())
		case OnMonitor:
			a.print(Stdout, "[errorMonitor] saw: "+args[0].(error).Error())
		}
		return nil
	})
}

// event is the { amount, balance } object.
type event struct{ amount, balance int64 }

func (a *Account) print(s Stream, text string) {
	if a.current != nil {
		a.current.Lines = append(a.current.Lines, Line{s, text})
	}
}

func (a *Account) attach(l Listener) {
	name := l.Event()
	if l == OnMonitor {
		_ = a.em.On(emitter.ErrorMonitor, a.fns[l])
	} else {
		_ = a.em.On(name, a.fns[l])
	}
	a.enabled[l] = true
	a.session = append(a.session, fmt.Sprintf("account.on(%s, %s);", info[l].jsEvent, l.Name()))
}

func (a *Account) detach(l Listener) {
	if l == OnMonitor {
		_ = a.em.Off(emitter.ErrorMonitor, a.fns[l])
	} else {
		_ = a.em.Off(l.Event(), a.fns[l])
	}
	a.enabled[l] = false
	a.session = append(a.session, fmt.Sprintf("account.off(%s, %s);", info[l].jsEvent, l.Name()))
}

// Listening reports whether a listener is on.
func (a *Account) Listening(l Listener) bool { return a.enabled[l] }

// SetListener switches a listener on (account.on) or off (account.off).
// Switching to the current state does nothing and logs nothing.
func (a *Account) SetListener(l Listener, on bool) (Entry, error) {
	if a.crash != nil {
		return Entry{}, ErrExited
	}
	if a.enabled[l] == on {
		return Entry{}, nil
	}
	if on {
		a.attach(l)
	} else {
		a.detach(l)
	}
	e := Entry{Call: a.session[len(a.session)-1], Balance: a.balance}
	a.log = append(a.log, e)
	return e, nil
}

// Deposit is account.deposit(amount).
func (a *Account) Deposit(amount int64) (Entry, error) {
	return a.act(fmt.Sprintf("account.deposit(%d);", amount), func(e *Entry) error {
		a.balance += amount
		e.Event = "deposit"
		ok, err := a.em.Emit("deposit", event{amount, a.balance})
		e.Emitted = ok
		return err
	})
}

// Withdraw is account.withdraw(amount): more than the balance emits
// 'error' with Error('Insufficient funds') instead.
func (a *Account) Withdraw(amount int64) (Entry, error) {
	return a.act(fmt.Sprintf("account.withdraw(%d);", amount), func(e *Entry) error {
		if amount > a.balance {
			e.Event = "error"
			ok, err := a.em.Emit("error", error(insufficientFunds{}))
			e.Emitted = ok
			return err
		}
		a.balance -= amount
		e.Event = "withdraw"
		ok, err := a.em.Emit("withdraw", event{amount, a.balance})
		e.Emitted = ok
		return err
	})
}

func (a *Account) act(call string, run func(*Entry) error) (Entry, error) {
	if a.crash != nil {
		return Entry{}, ErrExited
	}
	a.session = append(a.session, call)
	e := &Entry{Call: call}
	a.current = e
	err := run(e)
	a.current = nil
	e.Balance = a.balance
	if err != nil {
		// The only throw in this program is the unhandled 'error'.
		a.crash = &Crash{Stderr: a.crashOutput(err), ExitCode: 1}
		e.Crash = a.crash
	}
	a.log = append(a.log, *e)
	return *e, nil
}

// Restart starts a new process: a fresh BankAccount(100) with the
// listeners currently switched on. The log carries on.
func (a *Account) Restart() {
	var on, off []Listener
	for _, l := range Listeners {
		if a.enabled[l] {
			on = append(on, l)
		} else {
			off = append(off, l)
		}
	}
	a.opts.On, a.opts.Off = on, off
	a.start()
}

// Balance is account.balance.
func (a *Account) Balance() int64 { return a.balance }

// Exited returns the crash that ended the process, or nil while it runs.
func (a *Account) Exited() *Crash { return a.crash }

// Log returns the event log of this account, oldest first.
func (a *Account) Log() []Entry { return append([]Entry(nil), a.log...) }

// Output returns every line the current process printed, in order,
// including the crash report on stderr.
func (a *Account) Output() []Line {
	var out []Line
	for _, e := range a.log[a.procStart:] {
		out = append(out, e.Lines...)
		if e.Crash != nil {
			for _, l := range strings.Split(strings.TrimSuffix(e.Crash.Stderr, "\n"), "\n") {
				out = append(out, Line{Stderr, l})
			}
		}
	}
	return out
}

// Script is the JavaScript program equivalent to this process's session:
// run with node at ScriptPath, it prints what Output shows.
func (a *Account) Script() string {
	return a.header + strings.Join(a.session, "\n") + "\n"
}

// Step is one action of a scripted session.
type Step struct {
	Op       string // "deposit", "withdraw", "on", "off"
	Amount   int64
	Listener Listener
}

// NotesSteps are the three calls of the lesson's example.
var NotesSteps = []Step{{Op: "deposit", Amount: 50}, {Op: "withdraw", Amount: 30}, {Op: "withdraw", Amount: 200}}

// ParseSteps reads a comma-separated session such as
// "deposit 50, withdraw 30, off error, withdraw 200".
func ParseSteps(s string) ([]Step, error) {
	var steps []Step
	for _, part := range strings.Split(s, ",") {
		f := strings.Fields(part)
		if len(f) == 0 {
			continue
		}
		if len(f) != 2 {
			return nil, fmt.Errorf("step %q: want \"deposit N\", \"withdraw N\", \"on LISTENER\" or \"off LISTENER\"", strings.TrimSpace(part))
		}
		switch op := strings.ToLower(f[0]); op {
		case "deposit", "withdraw":
			n, err := strconv.ParseInt(f[1], 10, 64)
			if err != nil || n < 0 || n > 1e12 {
				return nil, fmt.Errorf("step %q: the amount must be a whole number of dollars from 0 to 10^12", strings.TrimSpace(part))
			}
			steps = append(steps, Step{Op: op, Amount: n})
		case "on", "off":
			l, err := ParseListener(f[1])
			if err != nil {
				return nil, fmt.Errorf("step %q: %w", strings.TrimSpace(part), err)
			}
			steps = append(steps, Step{Op: op, Listener: l})
		default:
			return nil, fmt.Errorf("step %q: unknown action %q (want deposit, withdraw, on or off)", strings.TrimSpace(part), f[0])
		}
	}
	if len(steps) == 0 {
		return nil, errors.New("no steps")
	}
	return steps, nil
}

// Do runs one step.
func (a *Account) Do(s Step) (Entry, error) {
	switch s.Op {
	case "deposit":
		return a.Deposit(s.Amount)
	case "withdraw":
		return a.Withdraw(s.Amount)
	case "on", "off":
		return a.SetListener(s.Listener, s.Op == "on")
	}
	return Entry{}, fmt.Errorf("unknown step %q", s.Op)
}

// Run plays steps until the end or a crash, like node running the script.
func (a *Account) Run(steps []Step) error {
	for _, s := range steps {
		if _, err := a.Do(s); err != nil {
			return err
		}
		if a.crash != nil {
			return nil
		}
	}
	return nil
}
