package org.softprompt.tokenize;

import java.util.Objects;

/** One BPE merge rule: the adjacent symbols {@code left} and {@code right} become the symbol {@code left + right}. */
public record Merge(String left, String right) {
    public Merge {
        Objects.requireNonNull(left, "left");
        Objects.requireNonNull(right, "right");
    }

    /** The symbol this merge produces. */
    public String merged() {
        return left + right;
    }

    @Override
    public String toString() {
        return left + " " + right;
    }
}
