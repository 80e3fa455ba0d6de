package org.softprompt;

import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDManager;

/**
 * Starts DJL's PyTorch engine the way every part of softprompt expects it: offline (natives come from the
 * pytorch-native jar on the class path, never from the network) and with a message that says what to do when the
 * native library is missing.
 */
public final class Engines {
    public static final String ENGINE = "PyTorch";

    private Engines() {}

    /**
     * Returns the PyTorch engine, started offline unless the user set {@code ai.djl.offline} themselves, with MKL's
     * fast code paths on AMD CPUs ({@link MklCpuDispatch}: that must happen before libtorch is loaded) and large
     * tensor blocks cached for reuse ({@link HostMemoryCache}: that needs libtorch loaded).
     */
    public static synchronized Engine pytorch() {
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        MklCpuDispatch.apply();
        Engine engine;
        try {
            engine = Engine.getEngine(ENGINE);
        } catch (EngineException | IllegalArgumentException | UnsatisfiedLinkError e) {
            throw new IllegalStateException(
                    "The PyTorch native library could not be loaded (ai.djl.offline="
                            + System.getProperty("ai.djl.offline") + "). softprompt expects the jar "
                            + "ai.djl.pytorch:pytorch-native-cpu:2.7.1 (classifier linux-x86_64, or your platform's) "
                            + "on the class path: build with `mvn -q package -DskipTests` and load "
                            + "lib/target/softprompt.jar, whose manifest lists it. Cause: " + e.getMessage(), e);
        }
        HostMemoryCache.apply();
        return engine;
    }

    /** A new root manager on the PyTorch engine; close it (try-with-resources) to free native memory. */
    public static NDManager newManager() {
        return pytorch().newBaseManager();
    }
}
