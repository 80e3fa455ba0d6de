package org.softprompt.metric;

import java.util.List;

/** Argument checks shared by the metrics, so that every one rejects malformed input with the same clear message. */
final class MetricInputs {

    private MetricInputs() {
    }

    /**
     * Hypotheses and their references must be parallel, each hypothesis needs at least one reference, and no entry
     * may be null (an empty string is a real, empty text).
     */
    static void requireParallel(List<String> hypotheses, List<? extends List<String>> referencesPerHypothesis) {
        if (hypotheses == null) {
            throw new IllegalArgumentException("hypotheses is null");
        }
        if (referencesPerHypothesis == null) {
            throw new IllegalArgumentException("referencesPerHypothesis is null");
        }
        if (hypotheses.size() != referencesPerHypothesis.size()) {
            throw new IllegalArgumentException("hypotheses has " + hypotheses.size()
                    + " entries but referencesPerHypothesis has " + referencesPerHypothesis.size()
                    + "; they must be parallel (references[i] are the references of hypotheses[i])");
        }
        for (int i = 0; i < hypotheses.size(); i++) {
            if (hypotheses.get(i) == null) {
                throw new IllegalArgumentException("hypotheses[" + i + "] is null; use \"\" for an empty output");
            }
            requireReferences(referencesPerHypothesis.get(i), "referencesPerHypothesis[" + i + "]");
        }
    }

    static void requireReferences(List<String> references, String name) {
        if (references == null || references.isEmpty()) {
            throw new IllegalArgumentException(name + " is " + (references == null ? "null" : "empty")
                    + "; every hypothesis needs at least one reference");
        }
        for (int j = 0; j < references.size(); j++) {
            if (references.get(j) == null) {
                throw new IllegalArgumentException(name + "[" + j + "] is null");
            }
        }
    }

    static void requireText(String text, String name) {
        if (text == null) {
            throw new IllegalArgumentException(name + " is null; use \"\" for an empty text");
        }
    }
}
