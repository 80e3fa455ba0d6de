package org.softprompt.tokenize;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.util.PairList;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link Tokenizer} that runs Hugging Face's own Rust tokenizer (through DJL's binding) on a tokenizer.json
 * definition, so ids are Hugging Face's by construction. This class adds what the binding lacks: vocabulary
 * look-ups, special-token roles, and batch padding (done here, so padding never depends on a pad token being
 * configured inside the native tokenizer).
 */
public abstract class HuggingFaceBackedTokenizer implements Tokenizer {
    private final String tokenizerJson;
    private final Map<String, Integer> idsByToken;
    private final String[] tokensById;
    private final int vocabSize;
    private final EnumMap<SpecialToken, String> specialTokens;
    private final HuggingFaceTokenizer untruncated;
    // Truncation is a setting of a native tokenizer, not an argument of encode: keep one native tokenizer per length.
    private final Map<Integer, HuggingFaceTokenizer> truncatingByLength = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /**
     * @param tokenizerJson a Hugging Face tokenizer.json definition whose model has a token-to-id "vocab" object
     * @param specialTokens the token string playing each role; roles whose token is not in the vocabulary are dropped
     */
    protected HuggingFaceBackedTokenizer(JsonObject tokenizerJson, Map<SpecialToken, String> specialTokens) {
        this.tokenizerJson = Json.compact(tokenizerJson);
        this.idsByToken = readVocabulary(tokenizerJson);
        int maxId = idsByToken.values().stream().mapToInt(Integer::intValue).max().orElse(-1);
        this.tokensById = new String[maxId + 1];
        idsByToken.forEach((token, id) -> tokensById[id] = token);
        this.vocabSize = (int) Arrays.stream(tokensById).filter(t -> t != null).count();
        this.specialTokens = new EnumMap<>(SpecialToken.class);
        specialTokens.forEach((role, token) -> {
            if (token != null && idsByToken.containsKey(token)) {
                this.specialTokens.put(role, token);
            }
        });
        this.untruncated = newNativeTokenizer(0);
    }

    /** The tokenizer.json this tokenizer runs (compact JSON); write it next to a checkpoint to reuse it. */
    public String tokenizerJson() {
        return tokenizerJson;
    }

    @Override
    public Encoding encodeDetailed(String text, boolean addSpecialTokens) {
        requireText(text, "text");
        return convert(nativeTokenizer(0).encode(text, addSpecialTokens, false));
    }

    @Override
    public Encoding encodePair(String first, String second) {
        requireText(first, "first");
        requireText(second, "second");
        return convert(nativeTokenizer(0).encode(first, second, true, false));
    }

    @Override
    public BatchEncoding encodeBatch(List<String> texts, EncodeOptions options) {
        texts.forEach(t -> requireText(t, "texts element"));
        requireRoomForText(options, false);
        ai.djl.huggingface.tokenizers.Encoding[] encoded = nativeTokenizer(options.maxLength())
                .batchEncode(texts.toArray(new String[0]), options.addSpecialTokens(), false);
        return pad(encoded, options);
    }

    @Override
    public BatchEncoding encodePairBatch(List<String> first, List<String> second, EncodeOptions options) {
        if (first.size() != second.size()) {
            throw new IllegalArgumentException("first has " + first.size() + " texts but second has " + second.size());
        }
        requireRoomForText(options, true);
        PairList<String, String> pairs = new PairList<>(first.size());
        for (int i = 0; i < first.size(); i++) {
            pairs.add(requireText(first.get(i), "first element"), requireText(second.get(i), "second element"));
        }
        ai.djl.huggingface.tokenizers.Encoding[] encoded = nativeTokenizer(options.maxLength())
                .batchEncode(pairs, options.addSpecialTokens(), false);
        return pad(encoded, options);
    }

    @Override
    public String decode(int[] ids, boolean skipSpecialTokens) {
        long[] longIds = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= tokensById.length || tokensById[ids[i]] == null) {
                throw new IllegalArgumentException("id " + ids[i] + " at position " + i + " is not in the vocabulary"
                        + " (ids run from 0 to " + (tokensById.length - 1) + ")");
            }
            longIds[i] = ids[i];
        }
        return nativeTokenizer(0).decode(longIds, skipSpecialTokens);
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public OptionalInt tokenToId(String token) {
        Integer id = idsByToken.get(token);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    @Override
    public Optional<String> idToToken(int id) {
        return id >= 0 && id < tokensById.length ? Optional.ofNullable(tokensById[id]) : Optional.empty();
    }

    @Override
    public OptionalInt specialTokenId(SpecialToken role) {
        String token = specialTokens.get(role);
        return token == null ? OptionalInt.empty() : OptionalInt.of(idsByToken.get(token));
    }

    @Override
    public Optional<String> specialToken(SpecialToken role) {
        return Optional.ofNullable(specialTokens.get(role));
    }

    /**
     * The id used to fill padded positions: the PAD token, else EOS (what GPT-2 users set with
     * {@code tokenizer.pad_token = tokenizer.eos_token}); padded positions are masked out, so the choice does not
     * change the model's outputs at real tokens.
     */
    public OptionalInt paddingId() {
        OptionalInt pad = specialTokenId(SpecialToken.PAD);
        return pad.isPresent() ? pad : specialTokenId(SpecialToken.EOS);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        untruncated.close();
        truncatingByLength.values().forEach(HuggingFaceTokenizer::close);
        truncatingByLength.clear();
    }

    private HuggingFaceTokenizer nativeTokenizer(int maxLength) {
        if (closed) {
            throw new IllegalStateException("this tokenizer is closed");
        }
        return maxLength == 0 ? untruncated : truncatingByLength.computeIfAbsent(maxLength, this::newNativeTokenizer);
    }

    private HuggingFaceTokenizer newNativeTokenizer(int maxLength) {
        // DJL would otherwise look up cloud-instance metadata over the network the first time a tokenizer is made;
        // softprompt runs DJL offline throughout (see org.softprompt.Engines) unless the user chose otherwise.
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        Map<String, String> options = new HashMap<>();
        options.put("addSpecialTokens", "true");
        options.put("padding", "false");
        if (maxLength == 0) {
            options.put("truncation", "false");
        } else {
            options.put("truncation", "longest_first");
            options.put("maxLength", Integer.toString(maxLength));
            // DJL caps maxLength at modelMaxLength (512 unless given); the caller's length is the limit here.
            options.put("modelMaxLength", Integer.toString(maxLength));
        }
        try {
            return HuggingFaceTokenizer.newInstance(
                    new ByteArrayInputStream(tokenizerJson.getBytes(StandardCharsets.UTF_8)), options);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Hugging Face's Rust tokenizer silently skips truncation when max_length cannot even hold the special tokens;
     * refuse such a length instead of returning rows longer than asked for.
     */
    private void requireRoomForText(EncodeOptions options, boolean pairs) {
        if (options.maxLength() == 0 || !options.addSpecialTokens()) {
            return;
        }
        int specials = pairs ? encodePair("", "").length() : encodeDetailed("", true).length();
        if (options.maxLength() < specials) {
            throw new IllegalArgumentException("maxLength " + options.maxLength() + " cannot hold the " + specials
                    + " special tokens this tokenizer adds to " + (pairs ? "a pair" : "a text"));
        }
    }

    private BatchEncoding pad(ai.djl.huggingface.tokenizers.Encoding[] encoded, EncodeOptions options) {
        int rows = encoded.length;
        int longest = 0;
        for (ai.djl.huggingface.tokenizers.Encoding e : encoded) {
            longest = Math.max(longest, e.getIds().length);
        }
        boolean padding = options.padding() != EncodeOptions.Padding.NONE;
        int target = options.padding() == EncodeOptions.Padding.MAX_LENGTH ? options.maxLength() : longest;
        int padId = 0;
        if (padding && Arrays.stream(encoded).anyMatch(e -> e.getIds().length < target)) {
            padId = paddingId().orElseThrow(() -> new IllegalStateException(
                    "padding was asked for but this tokenizer has neither a PAD nor an EOS token; encode with "
                            + "EncodeOptions.Padding.NONE or use a checkpoint that defines pad_token"));
        }
        int[][] ids = new int[rows][];
        int[][] mask = new int[rows][];
        int[][] types = new int[rows][];
        for (int row = 0; row < rows; row++) {
            int[] rowIds = toInts(encoded[row].getIds());
            int[] rowTypes = toInts(encoded[row].getTypeIds());
            int length = padding ? Math.max(target, rowIds.length) : rowIds.length;
            int offset = options.paddingSide() == EncodeOptions.PaddingSide.LEFT ? length - rowIds.length : 0;
            ids[row] = new int[length];
            mask[row] = new int[length];
            types[row] = new int[length];
            Arrays.fill(ids[row], padId);
            System.arraycopy(rowIds, 0, ids[row], offset, rowIds.length);
            System.arraycopy(rowTypes, 0, types[row], offset, rowTypes.length);
            Arrays.fill(mask[row], offset, offset + rowIds.length, 1);
        }
        return new BatchEncoding(ids, mask, types);
    }

    private static Encoding convert(ai.djl.huggingface.tokenizers.Encoding encoding) {
        return new Encoding(toInts(encoding.getIds()), toInts(encoding.getTypeIds()), encoding.getTokens(),
                toInts(encoding.getSpecialTokenMask()));
    }

    private static int[] toInts(long[] values) {
        int[] ints = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            ints[i] = Math.toIntExact(values[i]);
        }
        return ints;
    }

    private static String requireText(String text, String what) {
        if (text == null) {
            throw new NullPointerException(what + " must not be null");
        }
        return text;
    }

    /** Token to id from the model's vocabulary and the added tokens, as Hugging Face's get_vocab() gives it. */
    private static Map<String, Integer> readVocabulary(JsonObject tokenizerJson) {
        JsonElement model = tokenizerJson.get("model");
        if (model == null || !model.isJsonObject() || !model.getAsJsonObject().has("vocab")
                || !model.getAsJsonObject().get("vocab").isJsonObject()) {
            throw new IllegalArgumentException("tokenizer.json has no model.vocab object from token to id");
        }
        Map<String, Integer> vocab = new HashMap<>();
        for (Map.Entry<String, JsonElement> e : model.getAsJsonObject().getAsJsonObject("vocab").entrySet()) {
            vocab.put(e.getKey(), e.getValue().getAsInt());
        }
        JsonElement added = tokenizerJson.get("added_tokens");
        if (added != null && added.isJsonArray()) {
            for (JsonElement token : added.getAsJsonArray()) {
                JsonObject object = token.getAsJsonObject();
                vocab.put(object.get("content").getAsString(), object.get("id").getAsInt());
            }
        }
        return vocab;
    }
}
