package org.softprompt;

import java.util.Locale;

/**
 * How big an experiment runs. Every notebook reads one knob, so the same code serves CI, a laptop and a GPU:
 * the system property {@code softprompt.scale} or else the environment variable {@code SOFTPROMPT_SCALE}.
 */
public enum Scale {
    /** CI: tiny models, a handful of examples and steps; seconds per experiment. */
    SMOKE,
    /** The default on a laptop CPU: small models, real data, minutes per experiment, meaningful numbers. */
    QUICK,
    /** The papers' settings: full-size checkpoints and data, for a GPU. */
    PAPER;

    public static final String PROPERTY = "softprompt.scale";
    public static final String ENV = "SOFTPROMPT_SCALE";

    /** The scale selected for this process; {@link #QUICK} when nothing is set. */
    public static Scale current() {
        String value = System.getProperty(PROPERTY);
        String source = "system property " + PROPERTY;
        if (value == null || value.isBlank()) {
            value = System.getenv(ENV);
            source = "environment variable " + ENV;
        }
        if (value == null || value.isBlank()) {
            return QUICK;
        }
        return parse(value, source);
    }

    static Scale parse(String value, String source) {
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + " is '" + value + "'; expected one of smoke, quick, paper", e);
        }
    }

    /** Picks the value for this scale: {@code Scale.current().pick(20, 2_000, 50_000)}. */
    public <T> T pick(T smoke, T quick, T paper) {
        return switch (this) {
            case SMOKE -> smoke;
            case QUICK -> quick;
            case PAPER -> paper;
        };
    }

    public int pick(int smoke, int quick, int paper) {
        return switch (this) {
            case SMOKE -> smoke;
            case QUICK -> quick;
            case PAPER -> paper;
        };
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
