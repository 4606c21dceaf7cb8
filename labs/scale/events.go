package scale

import (
	"sync"
	"time"
)

// EventKind names what happened in the lab.
type EventKind string

// The kinds of event the scaling lab reports.
const (
	EventInstanceUp      EventKind = "instance-up"       // an instance serves (started or revived)
	EventInstanceKilled  EventKind = "instance-killed"   // the learner killed it (SIGKILL)
	EventInstanceExited  EventKind = "instance-exited"   // it ended by itself
	EventWorker          EventKind = "worker"            // its cluster forked, lost or respawned a worker
	EventMarkedDown      EventKind = "nginx-marked-down" // nginx's passive check left an instance out
	EventRejoined        EventKind = "nginx-rejoined"    // nginx sent it traffic again, and it answered
	EventUpstreamFailed  EventKind = "nginx-upstream-error"
	EventNoLiveUpstreams EventKind = "nginx-no-live-upstreams"
	EventReloaded        EventKind = "nginx-reloaded"
	EventNginxExited     EventKind = "nginx-exited"
	EventRedisDown       EventKind = "redis-down"
	EventRedisUp         EventKind = "redis-up"
	EventCacheMode       EventKind = "cache-mode"
	EventQueueMode       EventKind = "queue-mode"
	EventLoadStart       EventKind = "load-start"
	EventLoadDone        EventKind = "load-done"
	EventQueueDrained    EventKind = "queue-drained"
	EventWarning         EventKind = "warning"
	EventStopping        EventKind = "stopping"
	EventStopped         EventKind = "stopped"
)

// Event is one entry of the lab's log.
type Event struct {
	Time     time.Time `json:"time"`
	Kind     EventKind `json:"kind"`
	Instance int       `json:"instance,omitempty"`
	PID      int       `json:"pid,omitempty"`
	// Message says it in words, ready for a log line.
	Message string `json:"message"`
}

// broker keeps the history and fans events out to subscribers, each with
// its own unbounded queue so a slow reader never blocks the lab.
type broker struct {
	mu      sync.Mutex
	history []Event
	subs    map[*sub]struct{}
	closed  bool
}

type sub struct {
	ch    chan Event
	mu    sync.Mutex
	queue []Event
	wake  chan struct{}
	quit  chan struct{}
	once  sync.Once
	final bool
}

func newBroker() *broker { return &broker{subs: map[*sub]struct{}{}} }

const maxHistory = 1000

func (b *broker) emit(e Event) {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return
	}
	b.history = append(b.history, e)
	if len(b.history) > maxHistory {
		b.history = b.history[len(b.history)-maxHistory:]
	}
	for s := range b.subs {
		s.push(e)
	}
}

func (b *broker) events() []Event {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]Event(nil), b.history...)
}

func (b *broker) subscribe() (<-chan Event, func()) {
	s := &sub{ch: make(chan Event), wake: make(chan struct{}, 1), quit: make(chan struct{})}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		close(s.ch)
		return s.ch, func() {}
	}
	b.subs[s] = struct{}{}
	b.mu.Unlock()
	go s.run()
	cancel := func() {
		b.mu.Lock()
		delete(b.subs, s)
		b.mu.Unlock()
		s.once.Do(func() { close(s.quit) })
	}
	return s.ch, cancel
}

// close delivers what is queued, then closes every subscription.
func (b *broker) close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return
	}
	b.closed = true
	for s := range b.subs {
		s.mu.Lock()
		s.final = true
		s.mu.Unlock()
		s.signal()
	}
	b.subs = nil
}

func (s *sub) push(e Event) {
	s.mu.Lock()
	s.queue = append(s.queue, e)
	s.mu.Unlock()
	s.signal()
}

func (s *sub) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *sub) run() {
	defer close(s.ch)
	for {
		s.mu.Lock()
		q := s.queue
		s.queue = nil
		final := s.final
		s.mu.Unlock()
		for _, e := range q {
			select {
			case s.ch <- e:
			case <-s.quit:
				return
			}
		}
		if final && len(q) == 0 {
			return
		}
		if len(q) > 0 {
			continue
		}
		select {
		case <-s.wake:
		case <-s.quit:
			return
		}
	}
}
