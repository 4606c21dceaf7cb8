// Package content holds the course material: lessons, quiz banks, lab
// scripts and exercises. Everything is embedded so the nodedive binary is self-contained;
// other packages reach it only through the accessors below.
package content

import (
	"embed"
	"io/fs"
)

//go:embed lessons quiz labs exercises
var files embed.FS

// Lessons returns the lesson markdown files (one *.md per lesson).
func Lessons() fs.FS { return sub("lessons") }

// Quiz returns the question banks.
func Quiz() fs.FS { return sub("quiz") }

// Labs returns the lab scripts and data (JavaScript apps, scenarios).
func Labs() fs.FS { return sub("labs") }

// Exercises returns the exercises, one directory each: README.md (front
// matter and task), scaffold/ and solution/ (see labs/exercise).
func Exercises() fs.FS { return sub("exercises") }

func sub(dir string) fs.FS {
	f, err := fs.Sub(files, dir)
	if err != nil {
		// fs.Sub only fails on an invalid path, and dir is a constant.
		panic(err)
	}
	return f
}
