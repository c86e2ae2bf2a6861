package dev.onecycle.plot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.onecycle.schedule.CycleSlice;
import dev.onecycle.schedule.OneCyclePolicy;
import dev.onecycle.schedule.OneCycleSchedule;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class PngTest {

    private static BufferedImage read(byte[] png) throws IOException {
        return ImageIO.read(new ByteArrayInputStream(png));
    }

    private static int[] pixels(BufferedImage img) {
        return img.getRGB(0, 0, img.getWidth(), img.getHeight(), null, 0, img.getWidth());
    }

    @Test
    void aChartKeepsItsSizeAndLooksAtLeastHalfSmaller() throws IOException {
        System.setProperty("java.awt.headless", "true");
        CycleSlice whole = CycleSlice.full(10, 50);
        OneCycleSchedule schedule = OneCyclePolicy.builder().setLrMax(0.1).build().schedule(whole);
        byte[] chart = SchedulePlot.png(schedule, whole);

        byte[] small = Png.palette(chart);

        assertTrue(small.length < chart.length * 0.6, small.length + " bytes of " + chart.length);
        BufferedImage before = read(chart);
        BufferedImage after = read(small);
        assertEquals(before.getWidth(), after.getWidth());
        assertEquals(before.getHeight(), after.getHeight());
        int[] a = pixels(before);
        int[] b = pixels(after);
        int same = 0;
        int worst = 0;
        for (int i = 0; i < a.length; i++) {
            same += a[i] == b[i] ? 1 : 0;
            for (int shift : new int[] {0, 8, 16}) {
                worst = Math.max(worst, Math.abs((a[i] >> shift & 0xff) - (b[i] >> shift & 0xff)));
            }
        }
        assertTrue(same > a.length * 0.99, same + " of " + a.length + " pixels unchanged");
        assertTrue(worst <= 64, "largest change of a colour channel: " + worst);
    }

    @Test
    void anImageOfAtMost256ColoursIsKeptPixelForPixel() throws IOException {
        // every pixel one of 200 colours at random: the worst case for a palette, still exact
        BufferedImage img = new BufferedImage(300, 200, BufferedImage.TYPE_INT_RGB);
        java.util.Random random = new java.util.Random(42);
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int k = random.nextInt(200);
                img.setRGB(x, y, new Color(k, 255 - k, (k * 7) % 256).getRGB());
            }
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(img, "png", png);

        byte[] small = Png.palette(png.toByteArray());

        assertTrue(small.length < png.size(), small.length + " bytes of " + png.size());
        assertArrayEquals(pixels(img), pixels(read(small)));
    }

    @Test
    void transparentImagesAndNonImagesAreReturnedUnchanged() throws IOException {
        BufferedImage img = new BufferedImage(50, 50, BufferedImage.TYPE_INT_ARGB);
        img.setRGB(3, 3, 0x80ff0000);
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(img, "png", png);
        byte[] bytes = png.toByteArray();
        assertSame(bytes, Png.palette(bytes));

        byte[] notPng = "not a png".getBytes();
        assertSame(notPng, Png.palette(notPng));
    }
}
