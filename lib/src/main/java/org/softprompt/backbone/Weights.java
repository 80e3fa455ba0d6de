package org.softprompt.backbone;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A model's tensors by their Hugging Face names, in a fixed order, owned by one {@link NDManager}.
 *
 * <p>This replaces DJL's Block/Parameter tree on purpose: the names are exactly those of the checkpoint, so loading
 * and saving are a lookup, an optimizer can update tensors by name, and a prompt method can read any tensor (for
 * example the word embeddings to initialise a soft prompt) without knowing the model's code.
 *
 * <p>Freezing is per tensor: a frozen tensor does not require a gradient, so PyTorch records no graph for it and
 * gives it no gradient buffer (and an optimizer keeps no state for it). Everything is frozen after loading.
 */
public final class Weights implements AutoCloseable {
    private final NDManager manager;
    private final LinkedHashMap<String, NDArray> arrays = new LinkedHashMap<>();

    /** An empty set of weights owning {@code manager}: closing the weights closes the manager. */
    public Weights(NDManager manager) {
        this.manager = manager;
    }

    /** The manager that owns every tensor here. */
    public NDManager manager() {
        return manager;
    }

    /** The tensor called {@code name}; fails with the name (and similar names) when there is none. */
    public NDArray get(String name) {
        NDArray array = arrays.get(name);
        if (array == null) {
            throw new IllegalArgumentException("no weight named '" + name + "'" + similarNames(name));
        }
        return array;
    }

    public boolean contains(String name) {
        return arrays.containsKey(name);
    }

    /**
     * Stores {@code array} under {@code name}, moving it into this manager and naming it. A tensor that was stored
     * under the same name before is closed (unless it is the same array).
     */
    public void put(String name, NDArray array) {
        array.attach(manager);
        array.setName(name);
        NDArray previous = arrays.put(name, array);
        if (previous != null && previous != array) {
            previous.close();
        }
    }

    /** Removes and returns the tensor called {@code name} (the caller now owns it), or null. */
    public NDArray remove(String name) {
        NDArray array = arrays.remove(name);
        if (array != null) {
            array.detach();
        }
        return array;
    }

    /** The names, in order. */
    public List<String> names() {
        return List.copyOf(arrays.keySet());
    }

    public int size() {
        return arrays.size();
    }

    /** The tensors by name, in order (a read-only view). */
    public Map<String, NDArray> asMap() {
        return Collections.unmodifiableMap(arrays);
    }

    /** Each tensor's shape by name, in order. */
    public Map<String, Shape> shapes() {
        Map<String, Shape> shapes = new LinkedHashMap<>();
        arrays.forEach((name, array) -> shapes.put(name, array.getShape()));
        return shapes;
    }

    /** The number of scalars in all tensors. */
    public long parameterCount() {
        return arrays.values().stream().mapToLong(NDArray::size).sum();
    }

    /** The number of scalars in the trainable tensors. */
    public long trainableCount() {
        return trainable().values().stream().mapToLong(NDArray::size).sum();
    }

    /** Freezes every tensor (the state after loading). */
    public void freezeAll() {
        arrays.values().forEach(array -> setTrainable(array, false));
    }

    /** Makes the tensors whose names match {@code names} trainable; the others keep their state. */
    public void unfreeze(Predicate<String> names) {
        arrays.forEach((name, array) -> {
            if (names.test(name)) {
                setTrainable(array, true);
            }
        });
    }

    /** Freezes the tensors whose names match {@code names}; the others keep their state. */
    public void freeze(Predicate<String> names) {
        arrays.forEach((name, array) -> {
            if (names.test(name)) {
                setTrainable(array, false);
            }
        });
    }

    public boolean isTrainable(String name) {
        return get(name).hasGradient();
    }

    /** The trainable tensors by name, in order: what an optimizer should update. */
    public Map<String, NDArray> trainable() {
        Map<String, NDArray> trainable = new LinkedHashMap<>();
        arrays.forEach((name, array) -> {
            if (array.hasGradient()) {
                trainable.put(name, array);
            }
        });
        return trainable;
    }

    private static void setTrainable(NDArray array, boolean trainable) {
        if (array.hasGradient() != trainable) {
            array.setRequiresGradient(trainable);
        }
    }

    private String similarNames(String name) {
        int dot = name.lastIndexOf('.', name.length() - 1);
        String stem = dot > 0 ? name.substring(0, dot) : name;
        List<String> similar = new ArrayList<>();
        for (String candidate : arrays.keySet()) {
            if (candidate.startsWith(stem) || stem.startsWith(candidate) || candidate.endsWith(name)) {
                similar.add(candidate);
            }
            if (similar.size() == 5) {
                break;
            }
        }
        if (similar.isEmpty()) {
            List<String> first = arrays.keySet().stream().limit(3).toList();
            return " (" + arrays.size() + " weights, e.g. " + first + ")";
        }
        return " (similar: " + similar + ")";
    }

    /** Closes every tensor and the manager. */
    @Override
    public void close() {
        arrays.clear();
        manager.close();
    }

    @Override
    public String toString() {
        return "Weights[" + arrays.size() + " tensors, " + parameterCount() + " parameters, "
                + trainable().size() + " trainable]";
    }
}
