package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTick is the unit of utime and stime in /proc/<pid>/stat (USER_HZ,
// 100 on Linux).
const clockTick = 10 * time.Millisecond

// groupCPU returns the user+system CPU time used so far by the live
// processes of process group pgid (read from /proc), so that the report can
// say which of load generator, Varnish and site used the machine.
func groupCPU(pgid int) time.Duration {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var total time.Duration
	for _, path := range stats {
		b, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		// The command name (field 2) may hold spaces: split after its ')'.
		i := strings.LastIndexByte(string(b), ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		// f[0] is field 3 (state): pgrp is field 5, utime 14, stime 15.
		if len(f) < 13 {
			continue
		}
		if pg, _ := strconv.Atoi(f[2]); pg != pgid {
			continue
		}
		ut, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		total += time.Duration(ut+st) * clockTick
	}
	return total
}

// selfCPU returns the CPU time this process used so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuSnapshot is the CPU time of each party at one moment.
type cpuSnapshot struct{ loadgen, varnish, origin time.Duration }

func (e *env) cpu() cpuSnapshot {
	return cpuSnapshot{
		loadgen: selfCPU(),
		varnish: groupCPU(e.cache.cmd.Process.Pid),
		origin:  groupCPU(e.site.cmd.Process.Pid),
	}
}

func (c cpuSnapshot) sub(b cpuSnapshot) cpuSnapshot {
	return cpuSnapshot{c.loadgen - b.loadgen, c.varnish - b.varnish, c.origin - b.origin}
}
