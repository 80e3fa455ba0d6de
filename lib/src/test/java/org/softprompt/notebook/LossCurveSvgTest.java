package org.softprompt.notebook;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class LossCurveSvgTest {
    @Test
    void ticksAreRoundNumbersInsideTheRange() {
        assertArrayEquals(new double[] {0, 1, 2}, LossCurveSvg.ticks(0, 2.6, 5));
        assertArrayEquals(new double[] {0, 0.5, 1, 1.5, 2, 2.5}, LossCurveSvg.ticks(0, 2.6, 6));
        assertArrayEquals(new double[] {0.2, 0.3, 0.4}, LossCurveSvg.ticks(0.15, 0.45, 4));
        assertArrayEquals(new double[] {0, 200, 400, 600, 800, 1000}, LossCurveSvg.ticks(0, 1000, 6));
    }

    @Test
    void longSeriesAreAveragedIntoBucketsAndNonFiniteValuesDropped() {
        int n = 10 * LossCurveSvg.MAX_POINTS;
        double[] x = new double[n];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = i + 1;
            y[i] = i % 10 == 0 ? Double.NaN : i;
        }
        double[][] points = LossCurveSvg.downsample(x, y);
        assertEquals(LossCurveSvg.MAX_POINTS, points[0].length);
        // The first bucket holds the finite values 1..9 (index 0 is NaN) of x 2..10.
        assertEquals(5.0, points[1][0], 1e-12);
        assertEquals(6.0, points[0][0], 1e-12);

        double[][] few = LossCurveSvg.downsample(new double[] {1, 2, 3}, new double[] {1, Double.POSITIVE_INFINITY, 3});
        assertArrayEquals(new double[] {1, 3}, few[0]);
        assertArrayEquals(new double[] {1, 3}, few[1]);
    }
}
