package ui

import (
	"context"
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/nodedive/nodedive/labs/load"
)

// liveLoad is a load run driven from a dashboard: it starts the run in a
// Cmd, brings its per-second samples back as messages, keeps the series
// the charts draw, and stops it.
type liveLoad struct {
	to      to  // the dashboard the samples go to
	run     int // counts runs, so samples of an old run are dropped
	running bool
	cancel  context.CancelFunc
	samples chan load.Sample
	// rps and latency (ms, the percentile the dashboard chose) per second.
	rps, latency []float64
	// perWorker counts responses per worker pid in this run.
	perWorker map[int]int64
}

// liveSampleMsg carries one per-second sample of run.
type liveSampleMsg struct {
	to
	run    int
	sample load.Sample
	ok     bool
}

// loadFunc runs load until ctx ends, passing each sample to onSample, and
// returns the message that reports the end of run.
type loadFunc func(ctx context.Context, run int, onSample func(load.Sample)) tea.Msg

// start begins a run under parent; its samples go to the dashboard mail
// addresses, covered or not. Samples are dropped rather than block the load
// when the UI is behind.
func (ll *liveLoad) start(parent context.Context, mail to, do loadFunc) tea.Cmd {
	ll.to = mail
	ll.stop()
	ll.run++
	ctx, cancel := context.WithCancel(parent)
	ll.cancel, ll.running = cancel, true
	ll.rps, ll.latency, ll.perWorker = nil, nil, map[int]int64{}
	ch := make(chan load.Sample, 16)
	ll.samples = ch
	onSample := func(s load.Sample) {
		select {
		case ch <- s:
		default:
		}
	}
	run := ll.run
	return tea.Batch(ll.wait(), func() tea.Msg {
		defer close(ch)
		return do(ctx, run, onSample)
	})
}

func (ll *liveLoad) wait() tea.Cmd {
	run, ch, mail := ll.run, ll.samples, ll.to
	return func() tea.Msg {
		s, ok := <-ch
		return liveSampleMsg{to: mail, run: run, sample: s, ok: ok}
	}
}

// add records a sample; latency picks the percentile to chart. It returns
// the Cmd that waits for the next one.
func (ll *liveLoad) add(msg liveSampleMsg, latency func(load.Sample) time.Duration) tea.Cmd {
	if msg.run != ll.run || !msg.ok {
		return nil
	}
	ll.rps = appendCapped(ll.rps, msg.sample.RPS, 120)
	ll.latency = appendCapped(ll.latency, float64(latency(msg.sample))/float64(time.Millisecond), 120)
	for pid, n := range msg.sample.PerWorker {
		ll.perWorker[pid] += n
	}
	return ll.wait()
}

// stop ends a run in progress.
func (ll *liveLoad) stop() {
	if ll.cancel != nil {
		ll.cancel()
		ll.cancel = nil
	}
}

// finished marks run as done; it reports whether run is the current one.
func (ll *liveLoad) finished(run int) bool {
	if run != ll.run {
		return false
	}
	ll.running = false
	return true
}

// chart draws requests/s and the latency series as sparklines in width w.
func (ll *liveLoad) chart(s Styles, latencyLabel string, w int) []string {
	const label = 16
	cw := max(w-label-12, 10)
	last := func(xs []float64) float64 {
		if len(xs) == 0 {
			return 0
		}
		return xs[len(xs)-1]
	}
	return []string{
		s.Muted.Render(padRight("requests/s", label)) + s.Accent.Render(sparkline(ll.rps, cw)) + fmt.Sprintf(" %8.0f", last(ll.rps)),
		s.Muted.Render(padRight(latencyLabel, label)) + s.Warning.Render(sparkline(ll.latency, cw)) + fmt.Sprintf(" %8.1f", last(ll.latency)),
	}
}

func appendCapped(xs []float64, v float64, n int) []float64 {
	xs = append(xs, v)
	if len(xs) > n {
		xs = xs[len(xs)-n:]
	}
	return xs
}
