package shmtable

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func newTable(t *testing.T, slots int, window time.Duration) *Table {
	t.Helper()
	tb, err := New(slots, window)
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

func TestSipHashMatchesTheReferenceVectors(t *testing.T) {
	// The SipHash paper's key 00 01 .. 0f; messages 00 01 .. (n-1).
	k0, k1 := uint64(0x0706050403020100), uint64(0x0f0e0d0c0b0a0908)
	msg := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i)
		}
		return string(b)
	}
	for _, c := range []struct {
		n    int
		want uint64
	}{
		{0, 0x726fdb47dd0e0e31},
		{7, 0xab0200f58b01d137},
		{8, 0x93f5f5799a932462},
		{15, 0xa129ca6149be45e5},
		{16, 0x3f2acc7f57c29bdb},
	} {
		if got := sipHash(k0, k1, msg(c.n)); got != c.want {
			t.Errorf("%d bytes: %#x, want %#x", c.n, got, c.want)
		}
	}
}

// counts runs hits of key from g goroutines at once and returns every count
// they were given, sorted.
func counts(t *testing.T, tb *Table, keys []string, g, hitsEach int, now time.Time) map[string][]int {
	t.Helper()
	var mu sync.Mutex
	got := map[string][]int{}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for w := range g {
		wg.Go(func() {
			<-start
			mine := map[string][]int{}
			for i := range hitsEach * len(keys) {
				key := keys[(i+w)%len(keys)]
				h, err := tb.Hit(key, now)
				if err != nil {
					t.Error(err)
					return
				}
				mine[key] = append(mine[key], h.Count)
			}
			mu.Lock()
			for k, c := range mine {
				got[k] = append(got[k], c...)
			}
			mu.Unlock()
		})
	}
	close(start)
	wg.Wait()
	for _, c := range got {
		slices.Sort(c)
	}
	return got
}

// oneToN reports whether c is exactly 1, 2, ..., n.
func oneToN(c []int, n int) bool {
	if len(c) != n {
		return false
	}
	for i, v := range c {
		if v != i+1 {
			return false
		}
	}
	return true
}

func TestOneKeyIsCountedExactlyByManyGoroutines(t *testing.T) {
	tb := newTable(t, 64, time.Minute)
	const g, each = 8, 500
	got := counts(t, tb, []string{"203.0.113.7"}, g, each, time.Now())["203.0.113.7"]
	if !oneToN(got, g*each) {
		t.Errorf("%d hits gave %d counts from %d to %d, with repeats or gaps", g*each, len(got), got[0], got[len(got)-1])
	}
	if st := tb.Stats(time.Now()); st.Live != 1 || st.Reserved != 0 {
		t.Errorf("slots after one client: %+v", st)
	}
}

func TestManyKeysKeepExactCounts(t *testing.T) {
	tb := newTable(t, 256, time.Minute)
	var keys []string
	for i := range 100 {
		keys = append(keys, fmt.Sprintf("198.51.100.%d", i))
	}
	const g, each = 8, 20
	got := counts(t, tb, keys, g, each, time.Now())
	for _, k := range keys {
		if !oneToN(got[k], g*each) {
			t.Errorf("%s: counts %v, want 1..%d once each", k, got[k], g*each)
		}
	}
	if st := tb.Stats(time.Now()); st.Live != len(keys) || st.Reserved != 0 {
		t.Errorf("%d clients hold %+v", len(keys), st)
	}
}

// Many processes taking a slot for the same new client at once must end up
// with one slot: run the race many times with fresh keys.
func TestFirstHitsOfANewClientRaceToOneSlot(t *testing.T) {
	// Yield while holding a fresh reservation, so the others overlap it.
	testHookReserved = runtime.Gosched
	defer func() { testHookReserved = nil }()
	tb := newTable(t, 1024, time.Minute)
	rounds := 300
	if testing.Short() {
		rounds = 50
	}
	for r := range rounds {
		key := fmt.Sprintf("client-%d", r)
		got := counts(t, tb, []string{key}, 6, 1, time.Now())[key]
		if !oneToN(got, 6) {
			t.Fatalf("round %d: six first hits got counts %v", r, got)
		}
	}
	if st := tb.Stats(time.Now()); st.Live != rounds || st.Reserved != 0 {
		t.Errorf("%d clients hold %+v (a client with two slots would show here)", rounds, st)
	}
}

func TestWindowRollover(t *testing.T) {
	tb := newTable(t, 16, 10*time.Second)
	t0 := time.UnixMilli(tb.epoch + 5000)
	hit := func(at time.Duration) Hit {
		t.Helper()
		h, err := tb.Hit("k", t0.Add(at))
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	for i := 1; i <= 3; i++ {
		if h := hit(time.Duration(i) * time.Second); h.Count != i || !h.Reset.Equal(t0.Add(11*time.Second)) {
			t.Fatalf("hit %d: %+v, want count %d and reset at the first hit + 10s", i, h, i)
		}
	}
	if h := hit(11*time.Second - time.Millisecond); h.Count != 4 {
		t.Errorf("last millisecond of the window: %+v", h)
	}
	if h := hit(11 * time.Second); h.Count != 1 || !h.Reset.Equal(t0.Add(21*time.Second)) {
		t.Errorf("first hit after the window: %+v, want a new window from now", h)
	}
	if h := hit(12 * time.Second); h.Count != 2 {
		t.Errorf("second hit of the new window: %+v", h)
	}
}

func TestFullTableRefusesNewClientsAndReusesExpiredSlots(t *testing.T) {
	// 16 slots and a probe window of 16: every client may use every slot.
	tb := newTable(t, 16, 10*time.Second)
	t0 := time.UnixMilli(tb.epoch + 1000)
	for i := range 16 {
		if _, err := tb.Hit(fmt.Sprint("old-", i), t0.Add(time.Duration(i)*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
	}
	// A 17th client is refused until the first window ends.
	_, err := tb.Hit("new", t0.Add(time.Second))
	var full *FullError
	if !errors.As(err, &full) || !full.Reset.Equal(t0.Add(10*time.Second)) {
		t.Fatalf("17th client: %v, want a FullError until the first window ends", err)
	}
	// The clients already in keep counting.
	if h, err := tb.Hit("old-3", t0.Add(time.Second)); err != nil || h.Count != 2 {
		t.Errorf("a counted client on a full table: %+v %v", h, err)
	}
	// Once old-0's window is over, the newcomer takes its slot.
	if h, err := tb.Hit("new", t0.Add(10*time.Second)); err != nil || h.Count != 1 {
		t.Fatalf("after the first window ended: %+v %v", h, err)
	}
	// old-0 lost its slot with its window; with no other expired slot it
	// is refused until old-1's window ends.
	_, err = tb.Hit("old-0", t0.Add(10*time.Second))
	if !errors.As(err, &full) || !full.Reset.Equal(t0.Add(10*time.Second+time.Millisecond)) {
		t.Errorf("old-0 after its slot was reused: %v", err)
	}
	if st := tb.Stats(t0.Add(10 * time.Second)); st.Full != 2 || st.Live != 16 {
		t.Errorf("stats %+v, want 2 refusals and 16 live slots", st)
	}
}

// On a full table under load every hit is either counted exactly or
// refused, never let through uncounted.
func TestFullTableUnderConcurrency(t *testing.T) {
	tb := newTable(t, 16, time.Minute)
	var keys []string
	for i := range 40 {
		keys = append(keys, fmt.Sprint("k", i))
	}
	var mu sync.Mutex
	given := map[string][]int{}
	var refused atomic.Int64
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 400 {
				k := keys[(i*7+w)%len(keys)]
				h, err := tb.Hit(k, time.Now())
				var full *FullError
				switch {
				case errors.As(err, &full):
					refused.Add(1)
				case err != nil:
					t.Error(err)
					return
				default:
					mu.Lock()
					given[k] = append(given[k], h.Count)
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if len(given) > 16 {
		t.Errorf("%d clients counted in a 16-slot table", len(given))
	}
	for k, c := range given {
		slices.Sort(c)
		if !oneToN(c, len(c)) {
			t.Errorf("%s: counts %v", k, c)
		}
	}
	st := tb.Stats(time.Now())
	if refused.Load() == 0 || st.Full != uint64(refused.Load()) {
		t.Errorf("%d refusals, stats say %d", refused.Load(), st.Full)
	}
}

// A worker killed while taking a slot leaves a reservation behind; it is
// vacated once it is older than a reservation may be, and nothing waits on
// it for longer.
func TestAbandonedReservationIsVacated(t *testing.T) {
	tb := newTable(t, 16, time.Minute)
	now := time.Now()
	rel := now.UnixMilli() - tb.epoch
	h := sipHash(tb.k0, tb.k1, "victim")
	home, tag := h&tb.mask, h>>16
	// What a dead worker leaves after its first two CASes.
	atomic.StoreUint64(tb.stateWord(home), packState(1, kindReserved, rel, 42))
	atomic.StoreUint64(tb.keyWord(home), packKey(1, tag))

	began := time.Now()
	got, err := tb.Hit("victim", now)
	if err != nil || got.Count != 1 {
		t.Fatalf("hit behind an abandoned reservation: %+v %v", got, err)
	}
	if waited := time.Since(began); waited < reservationTimeout*time.Millisecond/2 || waited > maxWait {
		t.Errorf("waited %v for a fresh reservation to be judged abandoned", waited)
	}
	if st := tb.Stats(now); st.Reserved != 0 || st.Live != 1 {
		t.Errorf("after the wait: %+v", st)
	}
	// An old reservation for another client is vacated at once and its
	// slot reused.
	old := packState(2, kindReserved, rel-int64(reservationTimeout)-1, 7)
	other := (home + 1) & tb.mask
	atomic.StoreUint64(tb.stateWord(other), old)
	if _, err := tb.Hit("victim", now); err != nil {
		t.Fatal(err)
	}
	if st := tb.Stats(now); st.Reserved != 0 {
		t.Errorf("an old reservation next to a live client survived: %+v", st)
	}
}

func TestLayoutIsCheckedBeforeUse(t *testing.T) {
	fresh := func() []uint64 {
		tb := newTable(t, 32, time.Minute)
		return slices.Clone(tb.words)
	}
	if _, err := attach(fresh()); err != nil {
		t.Fatalf("a fresh table: %v", err)
	}
	for _, c := range []struct {
		name  string
		spoil func([]uint64) []uint64
		want  string
	}{
		{"empty", func([]uint64) []uint64 { return nil }, "shorter than the 128-byte header"},
		{"magic", func(w []uint64) []uint64 { w[hMagic] = 0; return w }, "magic 0"},
		{"version", func(w []uint64) []uint64 { w[hVersion] = 2 | SlotSize<<32; return w }, "layout version 2"},
		{"slot size", func(w []uint64) []uint64 { w[hVersion] = Version | 32<<32; return w }, "32-byte slots"},
		{"slots", func(w []uint64) []uint64 { w[hSlots] = 33; return w }, "power of two"},
		{"probe", func(w []uint64) []uint64 { w[hProbe] = 8; return w }, "probe window 8"},
		{"window", func(w []uint64) []uint64 { w[hWindow] = 10; return w }, "window 10ms"},
		{"epoch", func(w []uint64) []uint64 { w[hEpoch] = 0; return w }, "epoch 0"},
		{"size", func(w []uint64) []uint64 { return w[:len(w)-2] }, "for 32 slots"},
	} {
		_, err := attach(c.spoil(fresh()))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want it to mention %q", c.name, err, c.want)
		}
	}
}

func TestTooOldTableRefuses(t *testing.T) {
	tb := newTable(t, 16, time.Minute)
	if _, err := tb.Hit("k", time.UnixMilli(tb.epoch+maxTime)); !errors.Is(err, ErrTooOld) {
		t.Errorf("198 days on: %v", err)
	}
}

func BenchmarkHitOneClient(b *testing.B) {
	tb, _ := New(DefaultSlots, time.Hour)
	now := time.Now()
	for b.Loop() {
		_, _ = tb.Hit("127.0.0.1", now)
	}
}

func BenchmarkHitOneClientParallel(b *testing.B) {
	tb, _ := New(DefaultSlots, time.Hour)
	now := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_, _ = tb.Hit("127.0.0.1", now)
		}
	})
}

// Clients come and go on a small table while windows end all the time:
// slots are reused, taken over and refused concurrently. Within each
// window of each client (told apart by its reset time) the counts given
// must still be exactly 1..n.
func TestExactCountsWhileSlotsChurn(t *testing.T) {
	testHookReserved = runtime.Gosched
	defer func() { testHookReserved = nil }()
	tb := newTable(t, 16, time.Second)
	base := time.UnixMilli(tb.epoch)
	var clock atomic.Int64 // milliseconds; every 2 hits move it on by one
	var keys []string
	for i := range 40 {
		keys = append(keys, fmt.Sprint("c", i))
	}
	type window struct {
		key   string
		reset int64
	}
	var mu sync.Mutex
	given := map[window][]int{}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 4000 {
				k := keys[(i*13+w*7)%len(keys)]
				now := base.Add(time.Duration(clock.Add(1)/2) * time.Millisecond)
				h, err := tb.Hit(k, now)
				var full *FullError
				if errors.As(err, &full) {
					continue
				}
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				id := window{k, h.Reset.UnixMilli()}
				given[id] = append(given[id], h.Count)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(given) < 2*len(keys) {
		t.Errorf("only %d windows: the test did not churn", len(given))
	}
	for id, c := range given {
		slices.Sort(c)
		if !oneToN(c, len(c)) {
			t.Errorf("%s, window ending %d: counts %v", id.key, id.reset, c)
		}
	}
	if st := tb.Stats(base.Add(time.Duration(clock.Load()/2) * time.Millisecond)); st.Reserved != 0 {
		t.Errorf("reservations left: %+v", st)
	}
}
