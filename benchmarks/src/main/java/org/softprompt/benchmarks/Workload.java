package org.softprompt.benchmarks;

/**
 * One benchmarked computation, set up once (model, optimizer, batch) and then run repeatedly; each {@link #run}
 * is what gets timed: one training step, or one whole generation.
 */
interface Workload extends AutoCloseable {

    /**
     * Runs once and returns a value that shows the work was done (the step's loss, or the sum of the generated
     * token ids); it is read back from native memory, so the computation has completed when this returns.
     */
    double run();

    /** Frees the model and everything set up for it. */
    @Override
    void close();
}
