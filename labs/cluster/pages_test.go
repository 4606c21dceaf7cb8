package cluster

import (
	"encoding/json"
	"os"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

func TestReadOnlyMappingsOfTheExecutable(t *testing.T) {
	smaps := `00400000-00c00000 r-xp 00000000 08:01 123 /opt/nodedive
Size:               8192 kB
Anonymous:             0 kB
00c00000-01400000 r--p 00800000 08:01 123 /opt/nodedive
Anonymous:             0 kB
01400000-01500000 rw-p 01000000 08:01 123 /opt/nodedive
Anonymous:           128 kB
01500000-01501000 r--p 01100000 08:01 123 /opt/nodedive
Anonymous:             4 kB
7f0000000000-7f0000100000 r-xp 00000000 08:01 456 /usr/lib/libc.so.6
Anonymous:             0 kB
7f0000200000-7f0000300000 rw-p 00000000 00:00 0
Anonymous:          1024 kB
`
	got := readOnlyMappings([]byte(smaps), "/opt/nodedive")
	want := []mapping{{0x400000, 0xc00000}, {0xc00000, 0x1400000}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("mappings %x, want %x (not the writable one, not the one with private pages, not libc's)", got, want)
	}
}

// Dropping the pages shrinks this process's resident file pages, and the
// program goes on running from the page cache.
func TestDropStartupPagesKeepsTheProcessRunning(t *testing.T) {
	before := rssFileKB(t)
	dropStartupPages()
	after := rssFileKB(t)
	if after >= before {
		t.Errorf("RssFile %d kB after dropping, %d kB before", after, before)
	}
	// Code and constant data come back on use: encoding/json's tables,
	// the unicode tables, and a stack walk through the function table.
	b, err := json.Marshal(map[string]any{"ünïcode": strings.ToUpper("straße"), "n": 1.5})
	if err != nil || string(b) != `{"n":1.5,"ünïcode":"STRAßE"}` {
		t.Errorf("after dropping: %s %v", b, err)
	}
	if f := runtime.FuncForPC(reflect.ValueOf(rssFileKB).Pointer()); f == nil || !strings.HasSuffix(f.Name(), "rssFileKB") {
		t.Errorf("function table after dropping: %v", f)
	}
}

func rssFileKB(t *testing.T) int {
	t.Helper()
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(status)) {
		if v, ok := strings.CutPrefix(line, "RssFile:"); ok {
			kb, err := strconv.Atoi(strings.Fields(v)[0])
			if err != nil {
				t.Fatal(err)
			}
			return kb
		}
	}
	t.Fatal("no RssFile in /proc/self/status")
	return 0
}
