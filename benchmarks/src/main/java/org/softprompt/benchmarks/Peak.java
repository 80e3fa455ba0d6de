package org.softprompt.benchmarks;

import ai.djl.ndarray.NDManager;

import java.util.Locale;

import org.softprompt.Engines;

/** Prints our 2048^3 float32 matrix-product rate (wall clock and per CPU-second), e.g. to try MKL settings. */
public final class Peak {
    private Peak() {}

    public static void main(String[] args) {
        Engines.pytorch();
        try (NDManager manager = Engines.newManager()) {
            double[] rate = SideBySide.matmulGflops(manager);
            System.out.printf(Locale.ROOT, "2048^3 matmul: %.1f GFLOP/s, %.1f GFLOP per CPU-second%n", rate[0],
                    rate[1]);
        }
    }
}
