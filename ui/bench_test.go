package ui

import (
	"testing"

	tea "charm.land/bubbletea/v2"
)

// BenchmarkReaderView120x40 is the cost of one frame of the reader at
// 120x40 (target: under 2 ms), with the contents sidebar and a search.
func BenchmarkReaderView120x40(b *testing.B) {
	d := newDriver(b, true, 120, 40)
	d.keys("4", "]", "]", "/")
	d.typeText("worker")
	d.keys("enter")
	if _, ok := d.m.top().(*reader); !ok {
		b.Fatal("reader not open")
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = d.m.View()
	}
}

// BenchmarkReaderScroll is a key press plus the frame it causes.
func BenchmarkReaderScroll(b *testing.B) {
	d := newDriver(b, true, 120, 40)
	d.keys("4")
	down, up := keyMsg("j"), keyMsg("k")
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		msg := tea.Msg(down)
		if i%40 >= 20 {
			msg = up
		}
		i++
		d.m.Update(msg)
		_ = d.m.View()
	}
}

// BenchmarkHomeView is one frame of the home screen at 120x40.
func BenchmarkHomeView(b *testing.B) {
	d := newDriver(b, true, 120, 40)
	b.ReportAllocs()
	for b.Loop() {
		_ = d.m.View()
	}
}
