package org.softprompt.benchmarks;

import ai.djl.ndarray.NDManager;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import org.softprompt.Engines;
import org.softprompt.HostMemoryCache;
import org.softprompt.MklCpuDispatch;

/**
 * Runs one workload on our side only, printing the wall and process CPU time of every run: for profiling and for
 * checking an optimization quickly. {@code java -cp benchmarks/target/softprompt-benchmarks.jar
 * org.softprompt.benchmarks.Repeat WORKLOAD RUNS}
 */
public final class Repeat {
    private Repeat() {}

    public static void main(String[] args) throws IOException {
        Workloads.Spec spec = Workloads.named(args[0]);
        int runs = Integer.parseInt(args[1]);
        Engines.pytorch();
        System.out.println(MklCpuDispatch.status() + "; " + HostMemoryCache.status());
        try (NDManager manager = Engines.newManager(); Workload workload = spec.factory().apply(manager)) {
            for (int i = 0; i < runs; i++) {
                long cpu = cpuNanos();
                long system = systemNanos();
                long start = System.nanoTime();
                double value = workload.run();
                System.out.printf(Locale.ROOT, "%s run %d: %.1f ms wall, %.1f ms CPU of which %.1f in the kernel "
                        + "(%.5g)%n", spec.name(), i + 1, (System.nanoTime() - start) / 1e6, (cpuNanos() - cpu) / 1e6,
                        (systemNanos() - system) / 1e6, value);
            }
        }
        System.out.println(HostMemoryCache.stats());
    }

    /** This process's user + system CPU time, from /proc/self/stat (clock ticks of 10 ms). */
    static long cpuNanos() {
        String[] fields = statFields();
        return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * 10_000_000L;
    }

    /** The system (kernel) part of {@link #cpuNanos}: page faults of fresh allocations show up here. */
    static long systemNanos() {
        return Long.parseLong(statFields()[12]) * 10_000_000L;
    }

    private static String[] statFields() {
        String stat;
        try {
            stat = Files.readString(Path.of("/proc/self/stat"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot read /proc/self/stat (Linux only)", e);
        }
        return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    }
}
