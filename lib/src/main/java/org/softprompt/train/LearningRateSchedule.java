package org.softprompt.train;

/**
 * A learning-rate multiplier as a function of the optimizer step (0-based), as in Hugging Face's
 * get_linear_schedule_with_warmup / get_cosine_schedule_with_warmup: the optimizer multiplies each group's base
 * rate by {@link #factor(long)}.
 */
@FunctionalInterface
public interface LearningRateSchedule {

    double factor(long step);

    static LearningRateSchedule constant() {
        return step -> 1.0;
    }

    /** Linear warm-up from 0 over {@code warmupSteps}, then constant. */
    static LearningRateSchedule warmup(long warmupSteps) {
        requireNonNegative(warmupSteps, "warmupSteps");
        return step -> step < warmupSteps ? (double) step / Math.max(1, warmupSteps) : 1.0;
    }

    /** Linear warm-up over {@code warmupSteps}, then linear decay to 0 at {@code totalSteps}. */
    static LearningRateSchedule linear(long warmupSteps, long totalSteps) {
        requireSteps(warmupSteps, totalSteps);
        return step -> {
            if (step < warmupSteps) {
                return (double) step / Math.max(1, warmupSteps);
            }
            return Math.max(0.0, (double) (totalSteps - step) / Math.max(1, totalSteps - warmupSteps));
        };
    }

    /** Linear warm-up over {@code warmupSteps}, then half a cosine period down to 0 at {@code totalSteps}. */
    static LearningRateSchedule cosine(long warmupSteps, long totalSteps) {
        requireSteps(warmupSteps, totalSteps);
        return step -> {
            if (step < warmupSteps) {
                return (double) step / Math.max(1, warmupSteps);
            }
            double progress = (double) (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
            return Math.max(0.0, 0.5 * (1.0 + Math.cos(Math.PI * Math.min(1.0, progress))));
        };
    }

    private static void requireSteps(long warmupSteps, long totalSteps) {
        requireNonNegative(warmupSteps, "warmupSteps");
        if (totalSteps < warmupSteps) {
            throw new IllegalArgumentException(
                    "totalSteps (" + totalSteps + ") must be at least warmupSteps (" + warmupSteps + ")");
        }
    }

    private static void requireNonNegative(long value, String name) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " must be >= 0, got " + value);
        }
    }
}
