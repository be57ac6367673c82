//go:build !linux

package policy

import "time"

func measureChild() {}

func cpuTime() time.Duration { return 0 }
