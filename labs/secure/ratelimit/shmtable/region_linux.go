package shmtable

import (
	"errors"
	"fmt"
	"os"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Region is a table in memory that other processes can map: an anonymous
// file (memfd) that lives as long as some process holds it open or mapped.
// The creator passes File to the processes that share the table (a child
// inherits it as a descriptor); each of them maps it with Open.
type Region struct {
	file  *os.File
	mem   []byte
	table *Table
}

// Create makes a region for a table of slots slots and windows of window.
// The file is sealed at its size, so no process can shrink it under the
// others' mappings.
func Create(slots int, window time.Duration) (*Region, error) {
	if err := checkShape(slots, window); err != nil {
		return nil, err
	}
	f, err := newAnonymousFile()
	if err != nil {
		return nil, err
	}
	size := Size(slots)
	if err := f.Truncate(int64(size)); err != nil {
		f.Close()
		return nil, fmt.Errorf("shared rate-limit region: sizing it to %d bytes: %w", size, err)
	}
	// memfds take seals; the /dev/shm fallback does not, and is still
	// checked by every Open.
	_, _ = unix.FcntlInt(f.Fd(), unix.F_ADD_SEALS, unix.F_SEAL_SHRINK|unix.F_SEAL_GROW|unix.F_SEAL_SEAL)
	mem, err := unix.Mmap(int(f.Fd()), 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("shared rate-limit region: mapping %d bytes: %w", size, err)
	}
	words := wordsOf(mem)
	if err := format(words, slots, window, time.Now()); err != nil {
		_ = unix.Munmap(mem)
		f.Close()
		return nil, err
	}
	t, err := attach(words)
	if err != nil {
		_ = unix.Munmap(mem)
		f.Close()
		return nil, err
	}
	return &Region{file: f, mem: mem, table: t}, nil
}

// newAnonymousFile is a memfd, or where memfd_create is not allowed, a file
// in /dev/shm that is unlinked at once: either way nothing is left behind
// once the last process closes it.
func newAnonymousFile() (*os.File, error) {
	fd, err := unix.MemfdCreate("nodedive-ratelimit", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err == nil {
		return os.NewFile(uintptr(fd), "memfd:nodedive-ratelimit"), nil
	}
	f, err2 := os.CreateTemp("/dev/shm", "nodedive-ratelimit-*")
	if err2 != nil {
		return nil, fmt.Errorf("shared rate-limit region: memfd_create: %w; /dev/shm: %w", err, err2)
	}
	if err := os.Remove(f.Name()); err != nil {
		f.Close()
		return nil, fmt.Errorf("shared rate-limit region: unlinking %s: %w", f.Name(), err)
	}
	return f, nil
}

// Open maps the region in f (a file another process made with Create and
// handed over) and checks its layout before anything counts in it. f stays
// open until Close.
func Open(f *os.File) (*Region, error) {
	if f == nil {
		return nil, errors.New("shared rate-limit region: no file")
	}
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("shared rate-limit region: %w", err)
	}
	size := st.Size()
	if size < HeaderSize || size > int64(Size(MaxSlots)) || size%8 != 0 {
		return nil, fmt.Errorf("shared rate-limit region: %d bytes is not the size of any table", size)
	}
	mem, err := unix.Mmap(int(f.Fd()), 0, int(size), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("shared rate-limit region: mapping %d bytes: %w", size, err)
	}
	t, err := attach(wordsOf(mem))
	if err != nil {
		_ = unix.Munmap(mem)
		return nil, err
	}
	return &Region{file: f, mem: mem, table: t}, nil
}

// wordsOf views a mapping as 64-bit words. mmap returns page-aligned
// memory, so every word is aligned as sync/atomic requires.
func wordsOf(mem []byte) []uint64 {
	return unsafe.Slice((*uint64)(unsafe.Pointer(unsafe.SliceData(mem))), len(mem)/8)
}

// Table is the region's table.
func (r *Region) Table() *Table { return r.table }

// File is the region's file, to hand to the processes that share it.
func (r *Region) File() *os.File { return r.file }

// Close unmaps the region and closes its file. The table must not be used
// afterwards; the memory itself lives on while other processes hold it.
func (r *Region) Close() error {
	err := unix.Munmap(r.mem)
	return errors.Join(err, r.file.Close())
}
