package emitter

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// NodeError is an error Node itself throws: it has a class name (Error,
// TypeError, RangeError) and a code such as ERR_UNHANDLED_ERROR.
type NodeError struct {
	Name    string // "Error", "TypeError", "RangeError"
	Code    string // "ERR_UNHANDLED_ERROR", ...
	Message string
	// Context is the value emitted with 'error' when it was not an Error
	// (Node's err.context).
	Context any
}

func (e *NodeError) Error() string { return e.Message }

// String is how Node's stack trace header shows the error:
// "Error [ERR_UNHANDLED_ERROR]: Unhandled error. ('oops')".
func (e *NodeError) String() string {
	return e.Name + " [" + e.Code + "]: " + e.Message
}

// Thrown wraps a JavaScript throw of something that is not an Error (throw
// 'oops'), so a listener can return it as a Go error.
type Thrown struct{ Value any }

func (t *Thrown) Error() string { return "Uncaught " + Inspect(t.Value) }

// Warning is a process warning such as MaxListenersExceededWarning. It is a
// warning, not an error: nothing is thrown, Node prints it on stderr on a
// later tick and carries on.
type Warning struct {
	Name    string // "MaxListenersExceededWarning"
	Message string
	Emitter *Emitter
	Event   any // the event name, a string or *Symbol
	Count   int
}

func (w *Warning) Error() string { return w.Message }

// NodeOutput is what node writes on stderr for the first warning of a
// process (later warnings lack the second line).
func (w *Warning) NodeOutput(pid int) string {
	return fmt.Sprintf("(node:%d) %s: %s\n(Use `node --trace-warnings ...` to show where the warning was created)\n",
		pid, w.Name, w.Message)
}

func unhandledError(er any, given bool) *NodeError {
	shown := "undefined"
	if given {
		shown = Inspect(er)
	} else {
		er = Undefined
	}
	return &NodeError{
		Name:    "Error",
		Code:    "ERR_UNHANDLED_ERROR",
		Message: "Unhandled error. (" + shown + ")",
		Context: er,
	}
}

// Undefined stands for JavaScript's undefined in argument lists (nil is
// null).
type undefinedType struct{}

// Undefined is JavaScript's undefined, for argument lists and Inspect.
var Undefined = undefinedType{}

func (undefinedType) String() string { return "undefined" }

// Inspect formats a value the way Node's util.inspect does on one line, for
// the values a lab passes around: nil (null), Undefined, booleans, numbers,
// strings, slices, string-keyed maps (keys sorted, since Go maps have no
// order), errors and symbols. Longer values are not wrapped onto several
// lines as Node would past 72 columns.
func Inspect(v any) string {
	var b strings.Builder
	inspect(&b, v, 0)
	return b.String()
}

func inspect(b *strings.Builder, v any, depth int) {
	switch v := v.(type) {
	case nil:
		b.WriteString("null")
	case undefinedType:
		b.WriteString("undefined")
	case bool:
		b.WriteString(strconv.FormatBool(v))
	case string:
		b.WriteString(quoteJS(v))
	case int:
		b.WriteString(strconv.Itoa(v))
	case int64:
		b.WriteString(strconv.FormatInt(v, 10))
	case float64:
		b.WriteString(FormatNumber(v))
	case *Symbol:
		b.WriteString(v.String())
	case *Listener:
		b.WriteString("[Function: " + v.Label() + "]")
	case error:
		b.WriteString(ErrorString(v))
	case []any:
		if len(v) == 0 {
			b.WriteString("[]")
			return
		}
		if depth > 2 {
			b.WriteString("[Array]")
			return
		}
		b.WriteString("[ ")
		for i, x := range v {
			if i > 0 {
				b.WriteString(", ")
			}
			inspect(b, x, depth+1)
		}
		b.WriteString(" ]")
	case map[string]any:
		if len(v) == 0 {
			b.WriteString("{}")
			return
		}
		if depth > 2 {
			b.WriteString("[Object]")
			return
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b.WriteString("{ ")
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			if isIdentifier(k) {
				b.WriteString(k)
			} else {
				b.WriteString(quoteJS(k))
			}
			b.WriteString(": ")
			inspect(b, v[k], depth+1)
		}
		b.WriteString(" }")
	default:
		fmt.Fprint(b, v)
	}
}

// ErrorString is the first line of an error's stack in Node:
// "Error: msg", "RangeError [ERR_OUT_OF_RANGE]: msg".
func ErrorString(err error) string {
	var ne *NodeError
	if errors.As(err, &ne) {
		return ne.String()
	}
	var named interface{ JSName() string }
	if errors.As(err, &named) {
		return named.JSName() + ": " + err.Error()
	}
	return "Error: " + err.Error()
}

// FormatNumber prints a float64 as JavaScript's String(n) does for the
// numbers labs use (integers and short decimals).
func FormatNumber(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		return "0"
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// quoteJS quotes a string as util.inspect does: single quotes unless the
// string contains one and no double quote, then double quotes, then
// backticks.
func quoteJS(s string) string {
	q := byte('\'')
	if strings.ContainsRune(s, '\'') {
		switch {
		case !strings.ContainsRune(s, '"'):
			q = '"'
		case !strings.ContainsRune(s, '`') && !strings.Contains(s, "${"):
			q = '`'
		}
	}
	var b strings.Builder
	b.WriteByte(q)
	for _, r := range s {
		switch {
		case r == rune(q) || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte(q)
	return b.String()
}

func isIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		ok := r == '_' || r == '$' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (i > 0 && r >= '0' && r <= '9')
		if !ok {
			return false
		}
	}
	return true
}
