package main

import (
	"os"
	"path/filepath"
)

// userDirs says where nodedive keeps the learner's files. NODEDIVE_HOME puts
// everything under one directory (tests and portable installs use it);
// otherwise state follows XDG_STATE_HOME, data XDG_DATA_HOME and caches the
// OS cache dir.
type userDirs struct {
	State string // progress store
	Cache string // rendered lessons, npm installs
	Data  string // the learner's own work: exercise directories
}

func dirs() userDirs {
	if home := os.Getenv("NODEDIVE_HOME"); home != "" {
		return userDirs{State: filepath.Join(home, "state"), Cache: filepath.Join(home, "cache"), Data: filepath.Join(home, "data")}
	}
	var d userDirs
	if xdg := os.Getenv("XDG_DATA_HOME"); xdg != "" {
		d.Data = filepath.Join(xdg, "nodedive")
	} else if home, err := os.UserHomeDir(); err == nil {
		d.Data = filepath.Join(home, ".local", "share", "nodedive")
	} else {
		d.Data = filepath.Join(os.TempDir(), "nodedive-data")
	}
	if xdg := os.Getenv("XDG_STATE_HOME"); xdg != "" {
		d.State = filepath.Join(xdg, "nodedive")
	} else if home, err := os.UserHomeDir(); err == nil {
		d.State = filepath.Join(home, ".local", "state", "nodedive")
	} else {
		d.State = filepath.Join(os.TempDir(), "nodedive-state")
	}
	if cache, err := os.UserCacheDir(); err == nil {
		d.Cache = filepath.Join(cache, "nodedive")
	} else {
		d.Cache = filepath.Join(os.TempDir(), "nodedive-cache")
	}
	return d
}
