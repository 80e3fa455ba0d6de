package org.softprompt.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.softprompt.Engines;

class ImagesTest {

    private static Map<Integer, Integer> uniform(int classes, int perClass) {
        Map<Integer, Integer> counts = new java.util.TreeMap<>();
        for (int c = 0; c < classes; c++) {
            counts.put(c, perClass);
        }
        return counts;
    }

    @Test
    void cifarFilesCountsAndStatistics() {
        Path dir = TestData.dataset("cifar10");
        ImageSet train = Images.cifar10(dir.resolve("train_12k.bin"));
        assertEquals(12500, train.size());
        assertEquals(uniform(10, 1250), train.classCounts());
        assertEquals(uniform(10, 500), Images.cifar10(dir.resolve("test_5k.bin")).classCounts());
        assertEquals(uniform(10, 80), Images.cifar10(dir.resolve("vtab1k_train800.bin")).classCounts());
        assertEquals(uniform(10, 20), Images.cifar10(dir.resolve("vtab1k_val200.bin")).classCounts());
        // The channel statistics of these JPEG re-encodings stay close to the published CIFAR-10 ones.
        float[][] stats = train.channelStatistics();
        assertArrayEquals(Images.CIFAR10_MEAN, stats[0], 0.01f);
        assertArrayEquals(Images.CIFAR10_STD, stats[1], 0.01f);
    }

    @Test
    void mnistTestAndItsVtabSplit() {
        TestData.dataset("mnist");
        ImageSet test = Images.mnistTest();
        assertEquals(10000, test.size());
        assertEquals(28, test.height());
        List<Integer> official = List.of(980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009);
        assertEquals(official, List.copyOf(test.classCounts().values()));
        float[][] stats = test.channelStatistics();
        assertEquals(Images.MNIST_MEAN[0], stats[0][0], 0.01f);

        Images.ImageSplit split = Images.mnistVtab(3);
        assertEquals(800, split.train().size());
        assertEquals(200, split.val().size());
        assertEquals(9000, split.test().size());
        Set<String> seen = new HashSet<>();
        for (ImageSet part : List.of(split.train(), split.val(), split.test())) {
            for (int i = 0; i < part.size(); i++) {
                seen.add(java.util.Arrays.toString(part.pixels(i)) + part.label(i));
            }
        }
        Set<String> all = new HashSet<>();
        for (int i = 0; i < test.size(); i++) {
            all.add(java.util.Arrays.toString(test.pixels(i)) + test.label(i));
        }
        assertEquals(all, seen);
        assertEquals(split.train().labels(), Images.mnistVtab(3).train().labels());
        assertNotEquals(split.train().labels(), Images.mnistVtab(4).train().labels());
        assertTrue(split.splitNote().contains("seed 3"));
    }

    @Test
    void fashionMnistFromDebianPackage() {
        assumeTrue(Files.isDirectory(Images.DEBIAN_FASHION_MNIST),
                "Skipped: install dataset-fashion-mnist (apt-get) for " + Images.DEBIAN_FASHION_MNIST);
        ImageSet train = Images.fashionMnist(Images.DEBIAN_FASHION_MNIST, true);
        ImageSet test = Images.fashionMnist(Images.DEBIAN_FASHION_MNIST, false);
        assertEquals(uniform(10, 6000), train.classCounts());
        assertEquals(uniform(10, 1000), test.classCounts());
        assertEquals(Images.FASHION_MNIST_MEAN[0], train.channelStatistics()[0][0], 0.005f);
        assertEquals(Images.FASHION_MNIST_STD[0], train.channelStatistics()[1][0], 0.005f);
        Images.ImageSplit vtab = Images.fashionMnistVtab(0);
        assertEquals(800, vtab.train().size());
        assertEquals(200, vtab.val().size());
        assertEquals(10000, vtab.test().size());
    }

    @Test
    void rotationTaskTurnsCounterClockwiseAndIsBalanced() {
        byte[] pixels = new byte[4 * 9];
        for (int i = 0; i < 4; i++) {
            for (int p = 0; p < 9; p++) {
                pixels[i * 9 + p] = (byte) p;
            }
        }
        ImageSet squares = new ImageSet("3x3", List.of("x"), 1, 3, 3, pixels, new int[4]);
        ImageSet rotated = Images.rotationTask(squares, 11);
        assertEquals(Map.of(0, 1, 1, 1, 2, 1, 3, 1), rotated.classCounts());
        // 0 1 2 / 3 4 5 / 6 7 8 turned counter-clockwise by 90 degrees is 2 5 8 / 1 4 7 / 0 3 6.
        byte[][] expected = {{0, 1, 2, 3, 4, 5, 6, 7, 8}, {2, 5, 8, 1, 4, 7, 0, 3, 6}, {8, 7, 6, 5, 4, 3, 2, 1, 0},
            {6, 3, 0, 7, 4, 1, 8, 5, 2}};
        for (int i = 0; i < 4; i++) {
            assertArrayEquals(expected[rotated.label(i)], rotated.pixels(i));
        }
        assertEquals(rotated.labels(), Images.rotationTask(squares, 11).labels());

        ImageSet cifar = Images.cifar10(TestData.dataset("cifar10").resolve("vtab1k_val200.bin"));
        ImageSet task = Images.rotationTask(cifar, 1);
        assertEquals(Map.of(0, 50, 1, 50, 2, 50, 3, 50), task.classCounts());
        for (int i = 0; i < 5; i++) {
            int r = task.label(i);
            // Turning the rotated image by the remaining quarter turns gives the original back.
            ImageSet back = new ImageSet("one", Images.ROTATIONS, 3, 32, 32, task.pixels(i), new int[] {0});
            byte[] restored = back.pixels(0);
            for (int k = 0; k < (4 - r) % 4; k++) {
                restored = rotateOnce(restored, 3, 32);
            }
            assertArrayEquals(cifar.pixels(i), restored);
        }
    }

    private static byte[] rotateOnce(byte[] image, int channels, int s) {
        byte[] out = new byte[image.length];
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < s; y++) {
                for (int x = 0; x < s; x++) {
                    out[(c * s + y) * s + x] = image[(c * s + x) * s + (s - 1 - y)];
                }
            }
        }
        return out;
    }

    @Test
    void normalizedBatchMatchesThePixels() {
        ImageSet cifar = Images.cifar10(TestData.dataset("cifar10").resolve("vtab1k_val200.bin"));
        try (NDManager manager = Engines.newManager()) {
            NDArray batch = cifar.batch(manager, new int[] {5, 7}, Images.IMAGENET_MEAN, Images.IMAGENET_STD);
            assertEquals(new ai.djl.ndarray.types.Shape(2, 3, 32, 32), batch.getShape());
            float[] values = batch.toFloatArray();
            float expected = (cifar.pixel(7, 2, 4, 9) / 255f - Images.IMAGENET_MEAN[2]) / Images.IMAGENET_STD[2];
            assertEquals(expected, values[3072 + (2 * 32 + 4) * 32 + 9], 1e-6f);
            assertArrayEquals(new long[] {cifar.label(5), cifar.label(7)},
                    cifar.labelArray(manager, new int[] {5, 7}).toLongArray());
        }
        ImageSet mnistLike = new ImageSet("g", List.of("a"), 1, 2, 2, new byte[] {1, 2, 3, (byte) 255}, new int[] {0});
        ImageSet padded = mnistLike.toRgb().padTo(4, 4);
        assertEquals(3, padded.channels());
        assertEquals(255, padded.pixel(0, 2, 2, 2));
        assertEquals(1, padded.pixel(0, 0, 1, 1));
        assertEquals(0, padded.pixel(0, 1, 0, 0));
    }

    @Test
    void badImageFilesAreNamed(@TempDir Path dir) throws IOException {
        Path bin = dir.resolve("broken.bin");
        String m = assertThrows(DataException.class, () -> Images.cifar10(bin)).getMessage();
        assertTrue(m.contains("broken.bin") && m.contains("3072"), m);
        Files.write(bin, new byte[3073 + 5]);
        m = assertThrows(DataException.class, () -> Images.cifar10(bin)).getMessage();
        assertTrue(m.contains("broken.bin") && m.contains("whole number"), m);
        Path images = dir.resolve("i.gz");
        Path labels = dir.resolve("l.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(images))) {
            out.write(new byte[] {0, 0, 8, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
        }
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(labels))) {
            out.write(new byte[] {0, 0, 8, 1, 0, 0, 0, 0});
        }
        m = assertThrows(DataException.class, () -> Images.readIdx(images, labels, "x", Images.DIGITS)).getMessage();
        assertTrue(m.contains("i.gz") && m.contains("2051"), m);
    }
}
