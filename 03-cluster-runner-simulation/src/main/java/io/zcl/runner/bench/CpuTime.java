package io.zcl.runner.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * CPU time of processes from Linux's /proc/PID/stat: user + system time of the process itself,
 * and with {@code withReapedChildren} also of the children it has waited for (cutime + cstime: a
 * spawned `true` is counted there once its parent reaps it). CPU time is far steadier than wall
 * time on a shared machine: a descheduled process waits, but does not burn CPU.
 *
 * <p>Resolution is the kernel's clock tick (10 ms at USER_HZ 100, the value on every Linux/x86
 * build), so a phase must run many commands for a per-command figure; the bench's do.
 */
public final class CpuTime {

    /** USER_HZ: /proc reports CPU times in these ticks; 100 on Linux for x86 and arm64. */
    static final long TICKS_PER_SECOND = 100;

    private CpuTime() {
    }

    /** CPU nanoseconds of {@code pid} (and of its reaped children if asked), or empty when /proc cannot say. */
    public static OptionalLong of(long pid, boolean withReapedChildren) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // The command name (field 2) is in parentheses and may hold spaces: count from the last ')'.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
            // f[0] is field 3 (state); utime, stime, cutime, cstime are fields 14-17.
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            if (withReapedChildren) {
                ticks += Long.parseLong(f[13]) + Long.parseLong(f[14]);
            }
            return OptionalLong.of(ticks * (1_000_000_000L / TICKS_PER_SECOND));
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    /**
     * CPU nanoseconds of a process and every live descendant, each with its reaped children: the
     * whole tree's CPU so far (a child reaped between two readings moves from its own figure to its
     * parent's, so the sum stays consistent). Empty when /proc cannot say for the root.
     */
    public static OptionalLong ofTree(long pid) {
        OptionalLong root = of(pid, true);
        if (root.isEmpty()) {
            return root;
        }
        long sum = root.getAsLong();
        for (ProcessHandle h : ProcessHandle.of(pid).map(p -> p.descendants().toList()).orElse(java.util.List.of())) {
            sum += of(h.pid(), true).orElse(0);
        }
        return OptionalLong.of(sum);
    }

    /** This JVM's own CPU nanoseconds, without its children. */
    public static OptionalLong self() {
        return of(ProcessHandle.current().pid(), false);
    }

    /** This JVM's CPU nanoseconds with the children it has reaped (the spawn floor's processes). */
    public static OptionalLong selfWithChildren() {
        return of(ProcessHandle.current().pid(), true);
    }
}
