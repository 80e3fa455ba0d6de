package org.softprompt.backbone;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/** One optional {@link Prefix} per layer, in layer order; a null entry is a layer without prefix. */
public final class LayerPrefixes {
    private final List<Prefix> perLayer;

    private LayerPrefixes(List<Prefix> perLayer) {
        this.perLayer = Collections.unmodifiableList(perLayer);
    }

    /** One entry per layer (null for a layer without prefix). */
    public static LayerPrefixes of(List<Prefix> perLayer) {
        return new LayerPrefixes(new ArrayList<>(perLayer));
    }

    /** One entry per layer (null for a layer without prefix). */
    public static LayerPrefixes of(Prefix... perLayer) {
        return new LayerPrefixes(new ArrayList<>(Arrays.asList(perLayer)));
    }

    /** {@code numLayers} layers without prefix. */
    public static LayerPrefixes none(int numLayers) {
        return new LayerPrefixes(new ArrayList<>(Collections.nCopies(numLayers, null)));
    }

    /** The prefix of {@code layer}, or null. */
    public Prefix get(int layer) {
        return perLayer.get(layer);
    }

    /** The number of layers this covers; must equal the model's. */
    public int numLayers() {
        return perLayer.size();
    }

    /** A copy with {@code layer}'s prefix replaced. */
    public LayerPrefixes with(int layer, Prefix prefix) {
        List<Prefix> copy = new ArrayList<>(perLayer);
        copy.set(layer, prefix);
        return new LayerPrefixes(copy);
    }
}
