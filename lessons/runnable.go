package lessons

import (
	"regexp"
	"slices"
	"strings"
)

// IsJavaScript reports whether the block is code node can run.
func (b CodeBlock) IsJavaScript() bool {
	switch strings.ToLower(b.Lang) {
	case "js", "javascript", "mjs", "cjs", "node":
		return true
	}
	return false
}

var (
	specifierPatterns = []*regexp.Regexp{
		regexp.MustCompile(`require\(\s*['"]([^'"]+)['"]\s*\)`),
		regexp.MustCompile(`\bfrom\s+['"]([^'"]+)['"]`),
		regexp.MustCompile(`\bimport\s*\(?\s*['"]([^'"]+)['"]`),
	}
	longRunning = regexp.MustCompile(`\.listen\(|createServer\(|setInterval\(|cluster\.fork\(`)
)

// nodeBuiltins are the core modules of Node 20 (first path segment).
var nodeBuiltins = []string{
	"assert", "async_hooks", "buffer", "child_process", "cluster", "console", "constants", "crypto",
	"dgram", "diagnostics_channel", "dns", "domain", "events", "fs", "http", "http2", "https",
	"inspector", "module", "net", "os", "path", "perf_hooks", "process", "punycode", "querystring",
	"readline", "repl", "stream", "string_decoder", "sys", "timers", "tls", "trace_events", "tty",
	"url", "util", "v8", "vm", "wasi", "worker_threads", "zlib",
}

// npmPackages lists the packages a block imports that are neither files
// nor Node core modules.
func npmPackages(code string) []string {
	var pkgs []string
	for _, re := range specifierPatterns {
		for _, m := range re.FindAllStringSubmatch(code, -1) {
			spec := m[1]
			if strings.HasPrefix(spec, ".") || strings.HasPrefix(spec, "/") || strings.HasPrefix(spec, "node:") {
				continue
			}
			name := strings.SplitN(spec, "/", 2)[0]
			if strings.HasPrefix(spec, "@") {
				parts := strings.SplitN(spec, "/", 3)
				name = strings.Join(parts[:min(2, len(parts))], "/")
			}
			if !slices.Contains(nodeBuiltins, name) && !slices.Contains(pkgs, name) {
				pkgs = append(pkgs, name)
			}
		}
	}
	return pkgs
}

// WhyNotRunnable explains, from the code, why a block not marked runnable
// may not run as it is.
func (b CodeBlock) WhyNotRunnable() string {
	var why []string
	if pkgs := npmPackages(b.Text); len(pkgs) > 0 {
		why = append(why, "it needs npm packages that are not installed here ("+strings.Join(pkgs, ", ")+")")
	}
	if longRunning.MatchString(b.Text) {
		why = append(why, "it keeps running (a server, a timer or workers) until it is stopped, so only the time limit ends it")
	}
	if len(why) == 0 {
		return "it may be a fragment that needs code from elsewhere in the lesson, or is meant to be read, not run"
	}
	return strings.Join(why, ", and ")
}
