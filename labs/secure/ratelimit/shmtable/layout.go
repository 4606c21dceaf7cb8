package shmtable

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"math/bits"
	mrand "math/rand/v2"
	"sync/atomic"
	"time"
)

// Magic opens every table: "NDRLSHM1" read as a little-endian word.
const Magic uint64 = 0x314d48534c52444e

// Layout constants of version 1 (see the package documentation).
const (
	Version     = 1
	HeaderSize  = 128
	SlotSize    = 16
	ProbeWindow = 16
	// DefaultSlots is the lab's table: 1 MiB of slots.
	DefaultSlots = 1 << 16
	// MinSlots and MaxSlots bound a table: at least one probe window,
	// at most 256 MiB.
	MinSlots = ProbeWindow
	MaxSlots = 1 << 24
	// MaxCount is where a client's count stops growing.
	MaxCount = 1<<countBits - 1
	// MinWindow and MaxWindow bound the window length.
	MinWindow = time.Second
	MaxWindow = 24 * time.Hour
)

// Header word indexes.
const (
	hMagic = iota
	hVersion
	hSlots
	hProbe
	hWindow
	hEpoch
	hKey0
	hKey1
	hFull
	headerWords = HeaderSize / 8
)

// Size is the number of bytes of a block with slots slots.
func Size(slots int) int { return HeaderSize + slots*SlotSize }

// Check reports whether a table of slots slots and windows of window can
// be made, with an error that names what is wrong.
func Check(slots int, window time.Duration) error { return checkShape(slots, window) }

// checkShape reports whether slots and window make a valid table.
func checkShape(slots int, window time.Duration) error {
	if slots < MinSlots || slots > MaxSlots || bits.OnesCount(uint(slots)) != 1 {
		return fmt.Errorf("shared rate-limit table of %d slots: want a power of two from %d to %d", slots, MinSlots, MaxSlots)
	}
	if window < MinWindow || window > MaxWindow || window%time.Millisecond != 0 {
		return fmt.Errorf("shared rate-limit window %s: want whole milliseconds from %s to %s", window, MinWindow, MaxWindow)
	}
	return nil
}

// format writes a fresh header into words (all slots must be zero: never
// used) with a random SipHash key. epoch is the creation time.
func format(words []uint64, slots int, window time.Duration, epoch time.Time) error {
	if err := checkShape(slots, window); err != nil {
		return err
	}
	if len(words) != Size(slots)/8 {
		return fmt.Errorf("shared rate-limit table: %d bytes of memory for %d slots, want %d", len(words)*8, slots, Size(slots))
	}
	var key [16]byte
	if _, err := rand.Read(key[:]); err != nil {
		return fmt.Errorf("shared rate-limit table: random hash key: %w", err)
	}
	// The magic goes last: a block is only valid once the rest is there.
	for i, v := range map[int]uint64{
		hVersion: Version | SlotSize<<32,
		hSlots:   uint64(slots),
		hProbe:   ProbeWindow,
		hWindow:  uint64(window / time.Millisecond),
		hEpoch:   uint64(epoch.UnixMilli()),
		hKey0:    binary.LittleEndian.Uint64(key[:8]),
		hKey1:    binary.LittleEndian.Uint64(key[8:]),
	} {
		atomic.StoreUint64(&words[i], v)
	}
	atomic.StoreUint64(&words[hMagic], Magic)
	return nil
}

// attach validates the header of words and returns the table over them.
// It checks everything a worker relies on before it writes a single slot:
// a block made by a different build or a foreign file is refused, not
// misread.
func attach(words []uint64) (*Table, error) {
	if len(words) < headerWords {
		return nil, fmt.Errorf("shared rate-limit table: %d bytes, shorter than the %d-byte header", len(words)*8, HeaderSize)
	}
	load := func(i int) uint64 { return atomic.LoadUint64(&words[i]) }
	if m := load(hMagic); m != Magic {
		return nil, fmt.Errorf("shared rate-limit table: magic %#x, want %#x (not a nodedive table, or not formatted yet)", m, Magic)
	}
	vs := load(hVersion)
	if v, s := uint32(vs), uint32(vs>>32); v != Version || s != SlotSize {
		return nil, fmt.Errorf("shared rate-limit table: layout version %d with %d-byte slots, this build reads version %d with %d-byte slots", v, s, Version, SlotSize)
	}
	slots := load(hSlots)
	window := time.Duration(load(hWindow)) * time.Millisecond
	if slots > MaxSlots {
		return nil, fmt.Errorf("shared rate-limit table of %d slots: at most %d", slots, MaxSlots)
	}
	if err := checkShape(int(slots), window); err != nil {
		return nil, err
	}
	if p := load(hProbe); p != ProbeWindow {
		return nil, fmt.Errorf("shared rate-limit table: probe window %d, this build uses %d", p, ProbeWindow)
	}
	if want := Size(int(slots)); len(words)*8 != want {
		return nil, fmt.Errorf("shared rate-limit table: %d bytes for %d slots, want %d", len(words)*8, slots, want)
	}
	epoch := int64(load(hEpoch))
	if epoch <= 0 {
		return nil, fmt.Errorf("shared rate-limit table: epoch %d is not a creation time", epoch)
	}
	t := &Table{
		words:  words,
		mask:   slots - 1,
		window: int64(window / time.Millisecond),
		epoch:  epoch,
		k0:     load(hKey0),
		k1:     load(hKey1),
	}
	// Start this process's reservation nonces at a random point, so two
	// processes reserving one slot in the same millisecond write
	// different words.
	t.nonce.Store(mrand.Uint32())
	return t, nil
}
