package org.softprompt.train;

import ai.djl.engine.Engine;

import java.util.Random;

/** One seed for everything random in a run, so that a run repeats exactly on CPU. */
public final class Seeds {
    private Seeds() {}

    /**
     * Seeds the engine (PyTorch's generator: initialization, dropout, random arrays) and returns a Java
     * {@link Random} for data order and sampling, both derived from {@code seed}.
     */
    public static Random seed(long seed) {
        Engine.getInstance().setRandomSeed((int) (seed ^ (seed >>> 32)));
        return new Random(seed);
    }
}
