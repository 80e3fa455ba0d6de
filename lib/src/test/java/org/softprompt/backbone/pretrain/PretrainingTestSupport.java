package org.softprompt.backbone.pretrain;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.softprompt.data.DataDirectory;
import org.softprompt.train.Trainer;
import org.softprompt.train.TrainingListener;

import java.lang.reflect.Constructor;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/** Shared pieces of the pretraining tests. */
final class PretrainingTestSupport {
    private PretrainingTestSupport() {}

    /** The data directory: {@code <softprompt.shared>/data} (set by surefire), else the default; skips if absent. */
    static Path dataRoot() {
        String shared = System.getProperty("softprompt.shared");
        if (shared != null && Files.isRegularFile(Path.of(shared, "data", "README.md"))) {
            return Path.of(shared, "data").toAbsolutePath().normalize();
        }
        try {
            return DataDirectory.root();
        } catch (IllegalStateException e) {
            assumeTrue(false, "Skipped: no data directory (" + e.getMessage() + ")");
            throw e;
        }
    }

    /** Counts what a trainer reports; optionally fails at a given step, as a crash mid-training would. */
    static final class Recorder implements TrainingListener {
        final long failAtStep;
        int starts;
        long steps;

        Recorder(long failAtStep) {
            this.failAtStep = failAtStep;
        }

        @Override
        public void onStart(long totalSteps) {
            starts++;
        }

        @Override
        public void onStep(long step, double loss, double learningRate) {
            steps = step;
            if (step == failAtStep) {
                throw new IllegalStateException("simulated crash at step " + step);
            }
        }

        @Override
        public void onFinish(Trainer.Result result) {
        }
    }

    /**
     * For every component of a settings record: a copy with only that component changed (numbers moved, booleans
     * flipped, lists altered by {@code changeList}), keeping the copy valid; with the component's name.
     */
    @SuppressWarnings("unchecked")
    static <R extends Record> List<Variant<R>> variants(R base, UnaryOperator<List<?>> changeList) throws Exception {
        RecordComponent[] components = base.getClass().getRecordComponents();
        Class<?>[] types = new Class<?>[components.length];
        for (int i = 0; i < components.length; i++) {
            types[i] = components[i].getType();
        }
        Constructor<R> constructor = (Constructor<R>) base.getClass().getDeclaredConstructor(types);
        List<Variant<R>> out = new ArrayList<>();
        for (int i = 0; i < components.length; i++) {
            Object[] values = new Object[components.length];
            for (int j = 0; j < components.length; j++) {
                values[j] = components[j].getAccessor().invoke(base);
            }
            List<Function<Object, Object>> changes = changesFor(types[i], changeList);
            R variant = null;
            for (Function<Object, Object> change : changes) {
                Object original = components[i].getAccessor().invoke(base);
                values[i] = change.apply(original);
                if (values[i].equals(original)) {
                    continue; // e.g. 0 * 2: not a change
                }
                try {
                    variant = constructor.newInstance(values);
                    break;
                } catch (java.lang.reflect.InvocationTargetException invalid) {
                    // this change breaks a size rule (e.g. heads must divide the width): try the next one
                }
            }
            assertNotEquals(null, variant, "no valid change of " + components[i].getName());
            out.add(new Variant<>(components[i].getName(), variant));
        }
        return out;
    }

    record Variant<R>(String changed, R settings) {}

    private static List<Function<Object, Object>> changesFor(Class<?> type, UnaryOperator<List<?>> changeList) {
        if (type == int.class) {
            return List.of(v -> (int) v * 2, v -> (int) v + 1, v -> (int) v / 2);
        }
        if (type == long.class) {
            return List.of(v -> (long) v + 1);
        }
        if (type == double.class) {
            return List.of(v -> (double) v + 0.01);
        }
        if (type == boolean.class) {
            return List.of(v -> !(boolean) v);
        }
        if (type == List.class) {
            return List.of(v -> changeList.apply((List<?>) v));
        }
        throw new IllegalArgumentException("no change defined for " + type);
    }
}
