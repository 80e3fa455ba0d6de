package org.softprompt.method.prefix;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.softprompt.backbone.Backbone;
import org.softprompt.backbone.ForwardInput;
import org.softprompt.backbone.KvCache;
import org.softprompt.backbone.LayerPrefixes;
import org.softprompt.backbone.Prefix;
import org.softprompt.generate.CausalLmDecoder;
import org.softprompt.method.peft.PeftAdapter;

/**
 * Named prefixes of one frozen backbone, served together: a batch whose rows belong to different tasks runs in one
 * forward pass, each row attending to its own task's prefix (Li &amp; Liang section 1: prefix-tuning allows mixing
 * tasks in a batch because only the prefix differs).
 * <pre>{@code
 * PrefixRegistry tasks = new PrefixRegistry(gpt2, manager)
 *         .register("sentiment", sentimentPrefix).register("e2e", Path.of("adapters/e2e"));
 * ForwardOutput out = gpt2.forward(tasks.enter(ForwardInput.ofIds(ids), List.of("sentiment", "e2e", "e2e")));
 * try (CausalLmDecoder decoder = tasks.decoder(List.of("e2e", "sentiment"), manager)) {
 *     Generator.generate(decoder, promptIds, promptMask, config.beams(4));
 * }
 * }</pre>
 *
 * <p>How rows get their own prefix: every registered table is evaluated once (the MLP dropped, as for
 * deployment) and kept per layer as [2L, heads, P, headDim]. A batch gathers one prefix per row, pads shorter ones
 * to the longest with positions whose prefix mask is 0 (attention gives them exactly zero weight), and shifts each
 * row's positions by its own prefix length where the prefix counts as past tokens, as it does alone. So every row
 * computes what it computes alone, up to the rounding of a different batch shape.
 */
public final class PrefixRegistry implements AutoCloseable {
    private final Backbone backbone;
    private final NDManager manager;
    private final Map<String, Entry> prompts = new LinkedHashMap<>();

    /** One registered prefix: keys and values per layer [2L, heads, P, headDim], and its position offset. */
    private record Entry(NDArray perLayer, int length, long positionOffset) {}

    /** Which prefix each row of a batch uses: per-layer prefixes [B, heads, Pmax, headDim] and offsets. */
    public record Selection(LayerPrefixes prefixes, long[] positionOffsets) {}

    public PrefixRegistry(Backbone backbone, NDManager parent) {
        this.backbone = backbone;
        this.manager = parent.newSubManager();
    }

    /** Registers a trained prefix under {@code name}; its current table is copied (later training is not seen). */
    public PrefixRegistry register(String name, PrefixTuning prefix) {
        if (prefix.backbone() != backbone) {
            throw new IllegalArgumentException("prefix '" + name + "' was built for another backbone instance");
        }
        if (prefix.length() == 0) {
            throw new IllegalArgumentException("prefix '" + name + "' has length 0: register the frozen model as "
                    + "rows without a prefix instead");
        }
        if (prompts.containsKey(name)) {
            throw new IllegalArgumentException("a prefix named '" + name + "' is already registered");
        }
        try (NDManager scope = manager.newSubManager()) {
            NDArray table = prefix.table(scope);
            NDArray perLayer = table.reshape(prefix.length(), 2L * backbone.numLayers(), backbone.numHeads(),
                    backbone.headDim()).transpose(1, 2, 0, 3).duplicate();
            perLayer.setRequiresGradient(false);
            perLayer.attach(manager);
            prompts.put(name, new Entry(perLayer, prefix.length(), prefix.positionOffset()));
        }
        return this;
    }

    /** Registers a prefix saved in PEFT's adapter layout (by PEFT or by {@link PrefixTuning#saveAsPeft}). */
    public PrefixRegistry register(String name, Path peftAdapterDir) {
        try (NDManager scope = manager.newSubManager();
                PrefixTuning prefix = PrefixTuning.fromPeft(backbone, peftAdapterDir, scope)) {
            return register(name, prefix);
        }
    }

    public Set<String> names() {
        return Collections.unmodifiableSet(prompts.keySet());
    }

    /** The prefix length of a registered prompt. */
    public int length(String name) {
        return entry(name).length();
    }

    private Entry entry(String name) {
        Entry entry = prompts.get(name);
        if (entry == null) {
            throw new IllegalArgumentException("no prefix named '" + name + "'; registered: " + prompts.keySet());
        }
        return entry;
    }

    /** The per-row prefixes of a batch whose row b uses {@code rowPrompts.get(b)}, computed in {@code scope}. */
    public Selection select(List<String> rowPrompts, NDManager scope) {
        if (rowPrompts.isEmpty()) {
            throw new IllegalArgumentException("a batch needs at least one row");
        }
        List<Entry> rows = rowPrompts.stream().map(this::entry).toList();
        int longest = rows.stream().mapToInt(Entry::length).max().orElseThrow();
        boolean ragged = rows.stream().anyMatch(e -> e.length() != longest);
        // the distinct prompts of this batch, padded to the longest, stacked once; rows index into the stack
        List<String> distinct = rowPrompts.stream().distinct().toList();
        NDList padded = new NDList();
        for (String name : distinct) {
            Entry e = prompts.get(name);
            // a view owned by scope, so that the padding and stacking below are made in scope too
            NDArray kv = e.perLayer().reshape(e.perLayer().getShape());
            kv.attach(scope);
            if (e.length() < longest) {
                Shape s = kv.getShape();
                kv = kv.concat(scope.zeros(new Shape(s.get(0), s.get(1), longest - e.length(), s.get(3))), 2);
            }
            padded.add(kv);
        }
        NDArray stacked = NDArrays.stack(padded, 0);
        stacked.attach(scope);
        long[] index = rowPrompts.stream().mapToLong(distinct::indexOf).toArray();
        NDArray perRow = stacked.get(scope.create(index)); // [B, 2L, heads, Pmax, headDim]
        NDArray mask = null;
        long[] offsets = new long[rows.size()];
        float[] maskValues = new float[rows.size() * longest];
        for (int b = 0; b < rows.size(); b++) {
            offsets[b] = rows.get(b).positionOffset();
            for (int p = 0; p < rows.get(b).length(); p++) {
                maskValues[b * longest + p] = 1;
            }
        }
        if (ragged) {
            mask = scope.create(maskValues, new Shape(rows.size(), longest));
        }
        List<Prefix> layers = new ArrayList<>();
        for (int layer = 0; layer < backbone.numLayers(); layer++) {
            layers.add(new Prefix(perRow.get(":, " + 2 * layer), perRow.get(":, " + (2 * layer + 1)), mask));
        }
        return new Selection(LayerPrefixes.of(layers), offsets);
    }

    /**
     * The input with each row's prefix and, where prefixes count as past tokens, each row's positions shifted by its
     * own prefix length (positions the caller gave are shifted too). The attention mask stays the text's.
     */
    public ForwardInput enter(ForwardInput input, List<String> rowPrompts) {
        if (rowPrompts.size() != input.batchSize()) {
            throw new IllegalArgumentException("the batch has " + input.batchSize() + " rows but "
                    + rowPrompts.size() + " prompt names were given");
        }
        if (input.prefixes() != null) {
            throw new IllegalArgumentException("the input already has per-layer prefixes; the registry adds its own");
        }
        NDManager scope = input.manager();
        Selection selection = select(rowPrompts, scope);
        NDArray offsets = scope.create(selection.positionOffsets(), new Shape(rowPrompts.size(), 1));
        NDArray positions;
        if (input.positionIds() != null) {
            positions = input.positionIds().add(offsets);
        } else {
            KvCache cache = input.cache();
            long past = cache == null ? 0 : cache.length();
            long t = input.primary().getShape().get(1);
            positions = scope.arange(past, past + t).toType(DataType.INT64, false).reshape(1, t).add(offsets);
        }
        long last = positions.max().getLong();
        int limit = PeftAdapter.maxPositions(backbone);
        if (limit > 0 && last >= limit) {
            throw new IllegalArgumentException("position " + last + " (a prefix counted as past tokens, plus the "
                    + "text) exceeds " + backbone.architecture() + "'s " + limit + " positions");
        }
        return input.withPrefixes(selection.prefixes()).withPositionIds(positions);
    }

    /**
     * A KV-cached decoder for generation whose prompt b uses {@code rowPrompts.get(b)}: each prompt's prefix and
     * position offset follow it through beam search. The selected prefixes live in {@code decoderManager}
     * (freed with it).
     */
    public CausalLmDecoder decoder(List<String> rowPrompts, NDManager decoderManager) {
        Selection selection = select(rowPrompts, decoderManager);
        return new CausalLmDecoder(backbone, decoderManager, selection.prefixes(), selection.positionOffsets(), true);
    }

    @Override
    public void close() {
        manager.close();
    }

    @Override
    public String toString() {
        return "PrefixRegistry" + prompts.keySet();
    }
}
