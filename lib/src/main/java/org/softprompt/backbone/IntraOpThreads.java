package org.softprompt.backbone;

import ai.djl.pytorch.jni.JniUtils;

import java.util.function.Supplier;

/**
 * Runs work with libtorch's intra-op parallelism off on the calling thread, for passes too small to gain from it.
 *
 * <p>Why: a cached decoding step of one sequence is hundreds of small operations (one new row through every layer).
 * With two or more intra-op threads, libtorch hands many of them (softmax, layer norm, concatenations, the argmax
 * over the vocabulary) to its OpenMP workers, and under {@code OMP_WAIT_POLICY=PASSIVE} every such hand-off first
 * wakes a sleeping worker: ~100 us for a softmax over 12 x 48 numbers in libtorch's profiler, more than the work.
 * The step's matrix products do not use the workers either (a one-row product goes to MKL's single-threaded
 * matrix-vector kernel; the vocabulary projection is split over Java threads by {@link SingleRowProduct}). On one
 * thread, greedy decoding with GPT-2-small ran 6-12% faster (BENCHMARKS.md, fifth run).
 *
 * <p>libtorch's setting is per calling thread for its own parallel loops (OpenMP's thread-count setting belongs to
 * the thread that sets it), so other threads keep their parallelism; MKL's is process-wide, so a product that
 * another thread starts meanwhile runs on one thread. The previous setting is restored when the work ends, also when
 * it throws. Toggling costs well under a microsecond.
 */
public final class IntraOpThreads {
    /** libtorch's intra-op thread count as configured, read before anything here lowered it. */
    static final int CONFIGURED = JniUtils.getNumThreads();

    private IntraOpThreads() {}

    /**
     * {@code work} on one intra-op thread when the pass has a single row (one sequence, one new token: a cached
     * decoding step), as it is otherwise.
     */
    public static <T> T singleForOneRow(long rows, Supplier<T> work) {
        return rows == 1 ? single(work) : work.get();
    }

    /** The result of {@code work}, computed with one intra-op thread on this thread. */
    public static <T> T single(Supplier<T> work) {
        int before = JniUtils.getNumThreads();
        if (before <= 1) {
            return work.get();
        }
        JniUtils.setNumThreads(1);
        try {
            return work.get();
        } finally {
            JniUtils.setNumThreads(before);
        }
    }
}
