package org.softprompt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MklCpuDispatchTest {

    @Test
    void readsTheVendorOfTheFirstProcessor(@TempDir Path dir) throws IOException {
        Path amd = Files.writeString(dir.resolve("amd"), "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\n"
                + "processor\t: 1\nvendor_id\t: GenuineIntel\n");
        Path none = Files.writeString(dir.resolve("none"), "processor\t: 0\nCPU implementer\t: 0x41\n");
        assertEquals("AuthenticAMD", MklCpuDispatch.cpuVendor(amd));
        assertEquals("", MklCpuDispatch.cpuVendor(none));
        assertEquals("", MklCpuDispatch.cpuVendor(dir.resolve("missing")));
    }

    @Test
    void leavesMklAloneWhereItIsNotNeededOrTurnedOff() {
        MklCpuDispatch.Status off = MklCpuDispatch.decide("off", "Linux", "amd64", "AuthenticAMD");
        assertFalse(off.applied());
        assertTrue(off.reason().contains("softprompt.mkl.intelPath=off"), off.reason());
        MklCpuDispatch.Status intel = MklCpuDispatch.decide("auto", "Linux", "amd64", "GenuineIntel");
        assertFalse(intel.applied());
        assertTrue(intel.reason().contains("GenuineIntel"), intel.reason());
        MklCpuDispatch.Status mac = MklCpuDispatch.decide("auto", "Mac OS X", "aarch64", "");
        assertFalse(mac.applied());
        assertTrue(mac.reason().contains("x86-64 Linux"), mac.reason());
    }

    @Test
    void rejectsAnUnknownSettingByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MklCpuDispatch.decide("fast", "Linux", "amd64", "AuthenticAMD"));
        assertTrue(e.getMessage().contains("softprompt.mkl.intelPath") && e.getMessage().contains("'fast'"),
                e.getMessage());
    }

    /**
     * On an AMD CPU under x86-64 Linux the override is in the process's global scope once the engine has started
     * (the answer MKL gets is 1), and matrix products computed on the paths it unlocks are still right.
     */
    @Test
    void theEngineStartsWithTheOverrideOnAmdAndProductsStayExact() {
        Engines.pytorch();
        MklCpuDispatch.Status status = MklCpuDispatch.status();
        assertNotNull(status, "Engines.pytorch() must decide before loading libtorch");
        boolean amdLinux = System.getProperty("os.name").toLowerCase().startsWith("linux")
                && System.getProperty("os.arch").equals("amd64")
                && MklCpuDispatch.cpuVendor(Path.of("/proc/cpuinfo")).equals("AuthenticAMD")
                && !"off".equals(System.getProperty(MklCpuDispatch.PROPERTY));
        assertEquals(amdLinux, status.applied(), status.toString());
        if (status.applied()) {
            assertEquals(1, MklCpuDispatch.globalAnswer());
        }

        int n = 96;
        int k = 300;
        int m = 130;
        Random random = new Random(7);
        float[] a = new float[n * k];
        float[] b = new float[k * m];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) random.nextGaussian();
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) random.nextGaussian();
        }
        try (NDManager manager = Engines.newManager()) {
            NDArray product = manager.create(a, new ai.djl.ndarray.types.Shape(n, k))
                    .matMul(manager.create(b, new ai.djl.ndarray.types.Shape(k, m)));
            float[] ours = product.toFloatArray();
            double worst = 0;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < m; j++) {
                    double exact = 0;
                    for (int t = 0; t < k; t++) {
                        exact += (double) a[i * k + t] * b[t * m + j];
                    }
                    worst = Math.max(worst, Math.abs(exact - ours[i * m + j]));
                }
            }
            // sums of 300 products of unit normals (magnitude ~17) in float32: errors of ~1e-5 are rounding
            assertTrue(worst < 1e-3, "largest difference from the double-precision product: " + worst);
        }
    }
}
