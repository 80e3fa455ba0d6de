package org.softprompt.benchmarks;

import ai.djl.ndarray.NDManager;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.softprompt.Engines;

/**
 * Runs a few steps of one workload in a fresh JVM and prints the process's peak resident set size (VmHWM) in MiB:
 * {@code {"peak_rss_mib": 1234.5}}. Started by {@link SideBySide} once per measured workload, since a process's
 * peak only grows.
 */
public final class MemoryProbe {
    private MemoryProbe() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: MemoryProbe WORKLOAD STEPS; workloads: " + Workloads.names());
            System.exit(2);
        }
        Workloads.Spec spec = Workloads.named(args[0]);
        int steps = Integer.parseInt(args[1]);
        Engines.pytorch();
        double afterSetUp;
        try (NDManager manager = Engines.newManager(); Workload workload = spec.factory().apply(manager)) {
            afterSetUp = peakRssMib();
            for (int i = 0; i < steps; i++) {
                workload.run();
            }
        }
        System.out.printf("{\"peak_rss_mib\": %.1f, \"peak_after_setup_mib\": %.1f}%n", peakRssMib(),
                afterSetUp);
    }

    /** VmHWM from /proc/self/status (Linux), in MiB. */
    static double peakRssMib() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
            }
        }
        throw new IOException("no VmHWM line in /proc/self/status");
    }
}
