package cluster

import (
	"slices"
	"sync"
	"time"
)

// EventKind names what happened.
type EventKind string

// The kinds of event the cluster reports.
const (
	EventForked        EventKind = "forked"    // a worker process started
	EventListening     EventKind = "listening" // it serves requests
	EventExited        EventKind = "exited"    // it ended: Code/Signal, Planned
	EventRespawned     EventKind = "respawned" // a replacement for a crashed worker was forked
	EventKilled        EventKind = "killed"    // the learner signalled a worker
	EventDraining      EventKind = "draining"  // a worker stops taking work before exiting
	EventRestartBegin  EventKind = "restart-begin"
	EventRestartStep   EventKind = "restart-step"
	EventRestartDone   EventKind = "restart-done"
	EventRestartFailed EventKind = "restart-failed"
	EventCrashLoop     EventKind = "crash-loop" // respawning stopped
	EventStopping      EventKind = "stopping"
	EventStopped       EventKind = "stopped"
)

// Event is one entry of the cluster's log.
type Event struct {
	Time     time.Time `json:"time"`
	Kind     EventKind `json:"kind"`
	WorkerID int       `json:"worker,omitempty"`
	PID      int       `json:"pid,omitempty"`
	Slot     int       `json:"slot"`
	// Exited: Code is nil when a signal ended the worker (Node's
	// code === null), Signal is empty when it exited by itself.
	Code    *int   `json:"code,omitempty"`
	Signal  string `json:"signal,omitempty"`
	Planned bool   `json:"planned,omitempty"`
	// Respawned: the id of the crashed worker this one replaces.
	Replaces int `json:"replaces,omitempty"`
	// Message says it in words, ready for a log line.
	Message string `json:"message"`
	// Output is the last output of a worker that died unplanned.
	Output string `json:"output,omitempty"`
}

// maxEvents bounds the kept history; respawns are bounded by the back-off,
// so a lab run never gets near it.
const maxEvents = 10000

func (c *Cluster) emit(ev Event) {
	if ev.Time.IsZero() {
		ev.Time = time.Now()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.events = append(c.events, ev)
	if len(c.events) > maxEvents {
		c.events = slices.Delete(c.events, 0, len(c.events)-maxEvents)
	}
	for s := range c.subs {
		s.push(ev)
	}
}

// Events returns the history so far, oldest first.
func (c *Cluster) Events() []Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.events)
}

// Subscribe returns a channel that receives every event from now on, in
// order, and a cancel func. Slow readers never block the cluster (each
// subscription queues without bound) and lose nothing. The channel is
// closed after the final EventStopped, or on cancel.
func (c *Cluster) Subscribe() (<-chan Event, func()) {
	s := &subscriber{out: make(chan Event), wake: make(chan struct{}, 1), quit: make(chan struct{})}
	c.mu.Lock()
	select {
	case <-c.done:
		s.closed = true
	default:
		c.subs[s] = struct{}{}
	}
	c.mu.Unlock()
	go s.run()
	var once sync.Once
	return s.out, func() {
		once.Do(func() {
			c.mu.Lock()
			delete(c.subs, s)
			c.mu.Unlock()
			close(s.quit)
		})
	}
}

type subscriber struct {
	mu     sync.Mutex
	queue  []Event
	closed bool
	wake   chan struct{}
	quit   chan struct{}
	out    chan Event
}

func (s *subscriber) push(ev Event) {
	s.mu.Lock()
	s.queue = append(s.queue, ev)
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *subscriber) close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *subscriber) run() {
	defer close(s.out)
	for {
		s.mu.Lock()
		if len(s.queue) == 0 {
			closed := s.closed
			s.mu.Unlock()
			if closed {
				return
			}
			select {
			case <-s.wake:
				continue
			case <-s.quit:
				return
			}
		}
		ev := s.queue[0]
		s.queue = s.queue[1:]
		s.mu.Unlock()
		select {
		case s.out <- ev:
		case <-s.quit:
			return
		}
	}
}
