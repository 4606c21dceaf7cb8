package shmtable

import (
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
	"time"
)

// Bits of the state word.
const (
	countBits = 20
	timeBits  = 34
	maxTime   = 1<<timeBits - 1
	tagMask   = 1<<48 - 1
)

// Kinds of slot, in the state word.
const (
	kindNever    = 0 // never used: no key lives at or past it in its chains
	kindOwned    = 1 // a client's window: start and count
	kindReserved = 2 // being taken for a new client: time is when
	kindVacant   = 3 // free again (a reservation was given up)
)

// reservationTimeout is how long a reservation may stand before anyone may
// vacate it. Taking a slot lasts nanoseconds; one still reserved after this
// long belongs to a worker that died or stalled, and the stalled one simply
// starts over when its last CAS fails.
const reservationTimeout = 50 // milliseconds

// testHookReserved, when set, runs between reserving a slot and writing
// its key word: tests widen the race there.
var testHookReserved func()

// maxWait bounds how long one Hit waits for other processes' reservations
// before it gives up with ErrContended.
const maxWait = time.Second

func packState(gen uint8, kind uint64, t int64, count uint64) uint64 {
	return uint64(gen)<<56 | kind<<54 | uint64(t)<<countBits | count
}

func stateGen(s uint64) uint8               { return uint8(s >> 56) }
func stateKind(s uint64) uint64             { return s >> 54 & 3 }
func stateTime(s uint64) int64              { return int64(s >> countBits & maxTime) }
func stateCount(s uint64) uint64            { return s & MaxCount }
func packKey(gen uint16, tag uint64) uint64 { return uint64(gen)<<48 | tag }
func keyGen(k uint64) uint16                { return uint16(k >> 48) }
func keyTag(k uint64) uint64                { return k & tagMask }

// owns reports whether the key word k belongs to the state word s.
func owns(s, k uint64) bool { return stateGen(s) == uint8(keyGen(k)) }

// Table is a counter table over a block of memory, possibly shared with
// other processes. It is safe for concurrent use by any number of
// goroutines and processes.
type Table struct {
	words  []uint64
	mask   uint64
	window int64 // milliseconds
	epoch  int64 // Unix milliseconds
	k0, k1 uint64
	nonce  atomic.Uint32 // tells this process's reservations apart
}

// Hit is the table's answer for one counted request.
type Hit struct {
	// Count is the client's requests in its current window, this one
	// included (it stops at MaxCount).
	Count int
	// Reset is when the window ends.
	Reset time.Time
}

// FullError is Hit's answer when the client has no slot and none of the
// slots it may use is free: the request is refused, not counted. Reset is
// when the first of those slots' windows ends.
type FullError struct{ Reset time.Time }

func (e *FullError) Error() string {
	return fmt.Sprintf("shared rate-limit table is full around this client until %s", e.Reset.Format(time.TimeOnly))
}

// ErrContended is Hit's answer when other processes kept the client's
// slots reserved for longer than a reservation may last. Like any store
// error it refuses the request.
var ErrContended = errors.New("shared rate-limit table: slots stayed reserved by other processes for over a second")

// ErrTooOld is Hit's answer once the table has outlived its clock: the
// 34-bit time field counts milliseconds for 198 days from creation.
var ErrTooOld = errors.New("shared rate-limit table is older than its 198-day clock: restart the cluster for a new one")

// New returns a table of slots slots and windows of window in ordinary
// memory, for one process.
func New(slots int, window time.Duration) (*Table, error) {
	if err := checkShape(slots, window); err != nil {
		return nil, err
	}
	words := make([]uint64, Size(slots)/8)
	if err := format(words, slots, window, time.Now()); err != nil {
		return nil, err
	}
	return attach(words)
}

// Window is the length of a window.
func (t *Table) Window() time.Duration { return time.Duration(t.window) * time.Millisecond }

// Slots is the number of slots.
func (t *Table) Slots() int { return int(t.mask + 1) }

func (t *Table) keyWord(j uint64) *uint64   { return &t.words[headerWords+2*j] }
func (t *Table) stateWord(j uint64) *uint64 { return &t.words[headerWords+2*j+1] }

// at turns milliseconds since the epoch into a time.
func (t *Table) at(ms int64) time.Time { return time.UnixMilli(t.epoch + ms) }

// Hit counts one request of key at now.
func (t *Table) Hit(key string, now time.Time) (Hit, error) {
	h := sipHash(t.k0, t.k1, key)
	tag, home := h>>16, h&t.mask
	rel := max(now.UnixMilli()-t.epoch, 0)
	if rel > maxTime-t.window {
		return Hit{}, ErrTooOld
	}
	var started time.Time
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			// Waiting on other processes: let time move, so their
			// reservations can time out.
			if started.IsZero() {
				started = time.Now()
			}
			waited := time.Since(started)
			if waited > maxWait {
				return Hit{}, ErrContended
			}
			if attempt > 4 {
				if attempt < 16 {
					runtime.Gosched()
				} else {
					time.Sleep(50 * time.Microsecond)
				}
			}
			rel = max(now.Add(waited).UnixMilli()-t.epoch, 0)
		}
		l := t.lookup(home, tag, rel)
		switch {
		case l.found:
			if hit, ok := t.count(l.slot, l.state, rel); ok {
				return hit, nil
			}
		case l.busy, l.free < 0 && l.pending:
			// Wait for the reservations to settle: one may be this
			// client's, and a full window is only full once they have.
		case l.free < 0:
			atomic.AddUint64(&t.words[hFull], 1)
			reset := l.firstEnd
			if reset == 0 {
				reset = rel + t.window
			}
			return Hit{}, &FullError{Reset: t.at(reset)}
		default:
			if hit, ok := t.claim(home, tag, l, rel); ok {
				return hit, nil
			}
		}
	}
}

// lookup is what a scan of key's probe window found.
type lookup struct {
	found bool // the key owns slot, whose state word is state
	busy  bool // a slot may be being taken for the key: look again
	// pending is set when a slot is being taken for some other key, or
	// for one whose key word is not written yet.
	slot    uint64
	state   uint64
	pending bool
	// free is the first slot the key may take (-1: none), with the words
	// it was seen with.
	free         int64
	freeS, freeK uint64
	// firstEnd is the earliest end of the other clients' live windows.
	firstEnd int64
}

// lookup scans the probe window of the key (home, tag) at rel for its
// slot, and for the first slot it could take instead.
func (t *Table) lookup(home, tag uint64, rel int64) lookup {
	l := lookup{free: -1}
	for i := range uint64(ProbeWindow) {
		j := (home + i) & t.mask
		s, k, ok := t.read(j)
		if !ok {
			l.busy = true
			continue
		}
		switch stateKind(s) {
		case kindNever:
			l.takeable(j, s, k)
			return l // nobody was ever placed past a never-used slot
		case kindOwned:
			if !owns(s, k) {
				continue // cannot happen: keys change only under a reservation
			}
			if keyTag(k) == tag {
				l.found, l.slot, l.state = true, j, s
				return l
			}
			if end := stateTime(s) + t.window; rel >= end {
				l.takeable(j, s, k)
			} else if l.firstEnd == 0 || end < l.firstEnd {
				l.firstEnd = end
			}
		case kindReserved:
			if rel-stateTime(s) >= reservationTimeout {
				// Abandoned: vacate it, then look again.
				atomic.CompareAndSwapUint64(t.stateWord(j), s, packState(stateGen(s), kindVacant, 0, 0))
				l.busy = true
			} else if keyTag(k) == tag && owns(s, k) {
				l.busy = true // being taken for this very key
			} else {
				l.pending = true
			}
		case kindVacant:
			l.takeable(j, s, k)
		}
	}
	return l
}

func (l *lookup) takeable(j, s, k uint64) {
	if l.free < 0 {
		l.free, l.freeS, l.freeK = int64(j), s, k
	}
}

// read returns slot j's state word and the key word that goes with it. The
// key word only changes while the state word says reserved, so a state word
// that reads the same on both sides of the key word vouches for it. ok is
// false if the slot kept changing.
func (t *Table) read(j uint64) (s, k uint64, ok bool) {
	for range 64 {
		s = atomic.LoadUint64(t.stateWord(j))
		k = atomic.LoadUint64(t.keyWord(j))
		if atomic.LoadUint64(t.stateWord(j)) == s {
			return s, k, true
		}
	}
	return 0, 0, false
}

// count counts the request in the key's own slot j, seen with state s:
// one more in a live window, or a new window after the last one ended.
// ok is false when the slot changed meanwhile.
func (t *Table) count(j, s uint64, rel int64) (Hit, bool) {
	w := t.stateWord(j)
	for range 64 {
		if stateKind(s) != kindOwned {
			return Hit{}, false
		}
		start, n := stateTime(s), stateCount(s)
		switch {
		case rel >= start+t.window:
			if atomic.CompareAndSwapUint64(w, s, packState(stateGen(s), kindOwned, rel, 1)) {
				return Hit{Count: 1, Reset: t.at(rel + t.window)}, true
			}
		case n == MaxCount:
			return Hit{Count: MaxCount, Reset: t.at(start + t.window)}, true
		default:
			if atomic.CompareAndSwapUint64(w, s, s+1) {
				return Hit{Count: int(n + 1), Reset: t.at(start + t.window)}, true
			}
		}
		// Another request of the same client won the CAS. The slot is
		// still this client's unless its state left the same generation.
		next := atomic.LoadUint64(w)
		if stateGen(next) != stateGen(s) {
			return Hit{}, false
		}
		s = next
	}
	return Hit{}, false
}

// claim takes l.free for the key (home, tag) and counts the request there
// as the first of a new window. ok is false when the slot was lost to
// another process or the key turned out to have a slot already: the
// caller looks again.
func (t *Table) claim(home, tag uint64, l lookup, rel int64) (Hit, bool) {
	j := uint64(l.free)
	gen := keyGen(l.freeK) + 1
	if gen == 0 {
		gen = 1 // a key word of zero means never used
	}
	sw, kw := t.stateWord(j), t.keyWord(j)
	reserved := packState(uint8(gen), kindReserved, rel, uint64(t.nonce.Add(1))&MaxCount)
	if !atomic.CompareAndSwapUint64(sw, l.freeS, reserved) {
		return Hit{}, false
	}
	if testHookReserved != nil {
		testHookReserved()
	}
	vacant := packState(uint8(gen), kindVacant, 0, 0)
	if !atomic.CompareAndSwapUint64(kw, l.freeK, packKey(gen, tag)) ||
		!t.unique(home, tag, j) {
		atomic.CompareAndSwapUint64(sw, reserved, vacant)
		return Hit{}, false
	}
	if !atomic.CompareAndSwapUint64(sw, reserved, packState(uint8(gen), kindOwned, rel, 1)) {
		return Hit{}, false // vacated by someone who judged it abandoned
	}
	return Hit{Count: 1, Reset: t.at(rel + t.window)}, true
}

// unique reports whether the reservation of slot mine may become the key's
// slot: no other slot owns the key, and every other reservation for it is
// farther from home (those are vacated here). It runs after this process
// wrote its key word, so of two processes taking slots for one key at once,
// at least one sees the other.
func (t *Table) unique(home, tag, mine uint64) bool {
	myDist := (mine - home) & t.mask
	for i := range uint64(ProbeWindow) {
		j := (home + i) & t.mask
		if j == mine {
			continue
		}
		switch t.rival(j, tag, i < myDist) {
		case rivalNone:
		case rivalEnd:
			return true // nobody was placed past a never-used slot
		default:
			return false
		}
	}
	return true
}

// What unique found in one slot.
const (
	rivalNone = iota // not the key's, or it gave way
	rivalEnd         // a never-used slot: nothing further to check
	rivalWins        // the key's slot, or an earlier reservation for it
)

// rival looks at slot j for another slot of the key tag; earlier says
// whether j is nearer the key's home than the caller's reservation. A later
// reservation for the key is vacated.
func (t *Table) rival(j, tag uint64, earlier bool) int {
	for range 64 {
		s, k, ok := t.read(j)
		if !ok {
			return rivalWins // it kept changing: play safe and start over
		}
		kind := stateKind(s)
		switch {
		case kind == kindNever:
			return rivalEnd
		case kind == kindVacant || keyTag(k) != tag || !owns(s, k):
			return rivalNone
		case kind == kindOwned || earlier:
			return rivalWins
		}
		// A later reservation for the same key gives way.
		if atomic.CompareAndSwapUint64(t.stateWord(j), s, packState(stateGen(s), kindVacant, 0, 0)) {
			return rivalNone
		}
	}
	return rivalWins
}

// Stats describes the table's slots at one moment.
type Stats struct {
	Slots    int
	Live     int // owned, window running
	Expired  int // owned, window over: reusable
	Reserved int
	Vacant   int
	Never    int
	// Full is how many requests the table refused for want of a slot
	// since it was created.
	Full uint64
}

// Stats counts the slots by kind at now.
func (t *Table) Stats(now time.Time) Stats {
	st := Stats{Slots: t.Slots(), Full: atomic.LoadUint64(&t.words[hFull])}
	rel := now.UnixMilli() - t.epoch
	for j := range t.mask + 1 {
		s := atomic.LoadUint64(t.stateWord(j))
		switch stateKind(s) {
		case kindNever:
			st.Never++
		case kindOwned:
			if rel >= stateTime(s)+t.window {
				st.Expired++
			} else {
				st.Live++
			}
		case kindReserved:
			st.Reserved++
		case kindVacant:
			st.Vacant++
		}
	}
	return st
}
